/** Small text helpers for what the commands print to a terminal. */

/** A step state as one character: the markers `show` and `tasks` print. */
export const STATE_MARKERS = {
  completed: '✓',
  failed: '✗',
  running: '…',
  awaiting_confirmation: '?',
  pending: '·',
  skipped: '–',
  cancelled: '⊘',
} as const satisfies Record<string, string>;

export const MARKER_LEGEND = '✓ completed  ✗ failed  … running  ? awaiting confirmation  · pending  – skipped  ⊘ cancelled';

/** One line of at most `max` characters: whitespace runs folded, "…" where it was cut. */
export function oneLine(text: string, max: number): string {
  // Only the start is looked at, so a step's megabyte of input is not copied whole.
  const window = text.length > max * 4 ? text.slice(0, max * 4) : text;
  const flat = window.replace(/\s+/g, ' ').trim();
  // Code points, so an emoji is never cut in half.
  const chars = [...flat];
  if (chars.length <= max && window === text) return flat;
  return `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** An ISO timestamp as "2026-11-30 05:23:19 UTC" (UTC, so output does not depend on the machine). */
export function formatTime(iso: string | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** How long from one timestamp to another: "850 ms", "42 s", "3 min 5 s", "2 h 10 min". */
export function formatSpan(fromIso: string, toIso: string): string {
  const ms = Date.parse(toIso) - Date.parse(fromIso);
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1_000) return `${ms} ms`;
  const seconds = Math.round(ms / 1_000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Rows as columns padded to their widest cell; the last column is not padded. */
export function table(rows: ReadonlyArray<readonly string[]>): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, width(cell))));
  return rows
    .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - width(cell)))).join('  '))
    .map((line) => line.trimEnd())
    .join('\n');
}

/** Display width, counting code points (the markers are one column each). */
function width(text: string): number {
  return [...text].length;
}

/** `text` with every line indented by `prefix`. */
export function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? line : prefix + line))
    .join('\n');
}
