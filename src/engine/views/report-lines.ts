import { clipText } from './clip.js';

/** Per-step lines a report shows before it summarises the rest. */
const MAX_STEP_LINES = 40;
/** Characters per report line, per step entry (a line and any lines under it), and for all step entries. */
const LINE_CAP = 240;
const ENTRY_CAP = 1_200;
const HEAD_CAP = 6_000;
const LINES_CAP = 9_000;

/**
 * The step lines of a report. A huge task's report keeps its first lines and its failures, each
 * line clipped and all of them within a few thousand characters, so the text stays far below what
 * hosts accept from a tool; every step is still in the task view and the task resource. Lines are
 * offered in order and a line is written only while it could still be shown, so a report of
 * thousands of steps builds a few dozen.
 */
export class ReportLines {
  readonly #head: string[] = [];
  readonly #laterFailures: string[] = [];
  #offered = 0;
  #used = 0;
  #headFull = false;
  #failuresFull = false;

  get offered(): number {
    return this.#offered;
  }

  /** One step's line, built by `line` only when it may be shown. */
  offer(failed: boolean, line: () => string): void {
    this.#offered += 1;
    if (this.#headFull && (!failed || this.#failuresFull)) return;
    const entry = clipEntry(line());
    if (!this.#headFull) {
      const fits = this.#head.length === 0 || this.#used + entry.length <= HEAD_CAP;
      if (this.#head.length < MAX_STEP_LINES && fits) return this.#take(this.#head, entry);
      this.#headFull = true;
      if (!failed) return;
    }
    if (this.#laterFailures.length < MAX_STEP_LINES && this.#used + entry.length <= LINES_CAP)
      return this.#take(this.#laterFailures, entry);
    this.#failuresFull = true;
  }

  lines(): string[] {
    if (this.#head.length === this.#offered) return this.#head;
    const omitted = this.#offered - this.#head.length - this.#laterFailures.length;
    return [
      ...this.#head,
      `  … ${omitted} more step line(s) not shown: page through status with stepOffset, or read the task resource.`,
      ...this.#laterFailures,
    ];
  }

  #take(lines: string[], entry: string): void {
    lines.push(entry);
    this.#used += entry.length + 1;
  }
}

function clipEntry(entry: string): string {
  const lines = entry.split('\n').map((line) => clipText(line, LINE_CAP));
  return clipText(lines.join('\n'), ENTRY_CAP);
}
