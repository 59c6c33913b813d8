/** Text helpers plugins use (through the plugin API). */

const ELLIPSIS = '…';

/**
 * The first non-blank line of `text`, trimmed, cut to `max - 3` characters plus "…" when longer
 * than `max` (157 chars + "…" when over 160). Scans line by line so a huge stdout is not split
 * up front.
 */
export function firstLineSummary(text: string, max = 160): string {
  let start = 0;
  while (start <= text.length) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    const line = text.slice(start, end).trim();
    if (line !== '') return truncateLine(line, max);
    if (newline === -1) break;
    start = newline + 1;
  }
  return '';
}

function truncateLine(line: string, max: number): string {
  // Code units never undercount code points, so this cheap test is exact for short lines.
  if (line.length <= max) return line;
  // Count code points (not UTF-16 units) so an emoji is never cut in half; stop once past `max`.
  const kept: string[] = [];
  for (const char of line) {
    if (kept.length === max) return kept.slice(0, Math.max(0, max - 3)).join('') + ELLIPSIS;
    kept.push(char);
  }
  return line;
}
