/** Small text helpers of the texts a human reads. */

/** A duration for messages: "200 ms" below a second, else whole seconds ("5 s"). */
export function formatDuration(ms: number): string {
  return ms < 1_000 ? `${Math.round(ms)} ms` : `${Math.round(ms / 1_000)} s`;
}

/** Lines kept from the end of each stream when a failure's output is shown. */
const TAIL_LINES = 12;
const TAIL_LINE_MAX = 300;

/**
 * The end of a failed step's output, where test runners and compilers put what went wrong:
 * the last lines of stdout and of stderr, each labelled, long lines clipped. Empty when both are blank.
 */
export function outputTail(outputs: { stdout: string; stderr: string } | undefined, lines = TAIL_LINES): string {
  if (!outputs) return '';
  const parts: string[] = [];
  for (const [label, text] of [
    ['stdout', outputs.stdout],
    ['stderr', outputs.stderr],
  ] as const) {
    const tail = lastLines(text, lines);
    if (tail.length > 0) parts.push(`${label}:\n${tail.map((line) => `  ${clipLine(line)}`).join('\n')}`);
  }
  return parts.join('\n');
}

/** The output tail of a failed step, leaving out stderr when the error message already quotes its last line. */
export function failureTail(outputs: { stdout: string; stderr: string } | undefined, error: string, lines = TAIL_LINES): string {
  if (!outputs) return '';
  const lastStderr = outputs.stderr.trimEnd().split('\n').pop()?.trim() ?? '';
  const stderr = lastStderr !== '' && error.includes(lastStderr) ? '' : outputs.stderr;
  return outputTail({ stdout: outputs.stdout, stderr }, lines);
}

function lastLines(text: string, count: number): string[] {
  const end = text.trimEnd();
  if (end.trim() === '') return [];
  // Only the end is needed: a huge output is not split whole.
  const window = end.length > count * TAIL_LINE_MAX * 2 ? end.slice(-count * TAIL_LINE_MAX * 2) : end;
  return window.split('\n').slice(-count);
}

function clipLine(line: string): string {
  return line.length > TAIL_LINE_MAX ? `${line.slice(0, TAIL_LINE_MAX - 1)}…` : line;
}
