import { z } from 'zod';
import { oneLine, type Style, type Ui } from './ui.js';

/** The parts of a `status` TaskView the demo reads. */
export const TaskSnapshotSchema = z.looseObject({
  id: z.string(),
  phase: z.string(),
  replanAttempts: z.number(),
  summaryText: z.string(),
  steps: z.array(
    z.looseObject({
      id: z.string(),
      action: z.string(),
      description: z.string(),
      state: z.string(),
      summary: z.string().optional(),
      error: z.string().optional(),
      reason: z.string().optional(),
    }),
  ),
});
export type TaskSnapshot = z.infer<typeof TaskSnapshotSchema>;

const TERMINAL_PHASES = new Set(['completed', 'failed', 'cancelled']);

/** Step states only move forward; a snapshot that arrives late must not print a step going back. */
const STATE_RANK: Readonly<Record<string, number>> = { pending: 0, running: 1, awaiting_confirmation: 2 };
const PHASE_RANK: Readonly<Record<string, number>> = {
  planning: 0,
  awaiting_approval: 1,
  executing: 2,
  awaiting_replan: 2,
  reconciling: 3,
};

const rank = (table: Readonly<Record<string, number>>, key: string): number => table[key] ?? 9;

export function isTerminal(phase: string): boolean {
  return TERMINAL_PHASES.has(phase);
}

/** The step events the server sends as log notifications (`data.event`), as step states. */
const LOG_EVENT_STATES: Readonly<Record<string, string>> = {
  step_started: 'running',
  step_completed: 'completed',
  step_failed: 'failed',
};

/**
 * Prints what changed: phase moves, steps starting and finishing, steps a replan added. Fed by the
 * `status` long-poll loop and by the server's log notifications (which arrive in the order things
 * happened), it prints each change once.
 */
export class Tracker {
  readonly #ui: Ui;
  readonly #states = new Map<string, string>();
  readonly #descriptions = new Map<string, string>();
  #phase = '';
  #held: Array<Record<string, unknown>> | undefined;
  latest: TaskSnapshot | undefined;

  constructor(ui: Ui) {
    this.#ui = ui;
  }

  /** Remembers the planned steps without printing them (the plan text already showed them). */
  baseline(snapshot: TaskSnapshot): void {
    this.latest = snapshot;
    this.#phase = snapshot.phase;
    for (const step of snapshot.steps) {
      this.#states.set(step.id, step.state);
      this.#descriptions.set(step.id, step.description);
    }
  }

  observe(snapshot: TaskSnapshot): void {
    this.latest = snapshot;
    const terminal = isTerminal(snapshot.phase);
    if (!terminal) this.#observePhase(snapshot.phase);
    for (const step of snapshot.steps) {
      if (!this.#states.has(step.id)) {
        this.#ui.event('+', 'magenta', `${step.id} added by the replan: ${step.description} ${this.#ui.paint('dim', `(${step.action})`)}`);
        this.#states.set(step.id, 'pending');
        this.#descriptions.set(step.id, step.description);
      }
      this.#observeStep(step.id, step.state, step);
    }
    if (terminal) this.#observePhase(snapshot.phase);
  }

  /** Queues log events instead of printing them, until `release` (while other output is on screen). */
  hold(): void {
    this.#held ??= [];
  }

  release(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const data of held) this.observeLog(data);
  }

  /** A log notification from the server; step events for steps not yet seen wait for a snapshot. */
  observeLog(data: Record<string, unknown>): void {
    if (this.#held) {
      this.#held.push(data);
      return;
    }
    const state = LOG_EVENT_STATES[String(data['event'])];
    const stepId = String(data['stepId']);
    if (state === undefined || !this.#states.has(stepId)) return;
    const detail = {
      ...(typeof data['summary'] === 'string' ? { summary: data['summary'] } : {}),
      ...(typeof data['error'] === 'string' ? { error: data['error'] } : {}),
    };
    this.#observeStep(stepId, state, detail);
  }

  #observePhase(phase: string): void {
    if (phase === this.#phase || rank(PHASE_RANK, phase) < rank(PHASE_RANK, this.#phase)) return;
    this.#phase = phase;
    const style: Style = phase === 'completed' ? 'green' : phase === 'failed' ? 'yellow' : 'blue';
    this.#ui.event('◆', style, `task phase → ${this.#ui.paint('bold', phase)}`);
  }

  #observeStep(stepId: string, state: string, detail: { summary?: string; error?: string; reason?: string }): void {
    const ui = this.#ui;
    const before = this.#states.get(stepId) ?? 'pending';
    if (before === state || rank(STATE_RANK, state) <= rank(STATE_RANK, before)) return;
    this.#states.set(stepId, state);
    const description = this.#descriptions.get(stepId) ?? '';
    const label = `${ui.paint('bold', stepId.padEnd(3))} ${state.padEnd(9)}`;
    switch (state) {
      case 'running':
        ui.event('▶', 'blue', `${label} ${description}`);
        break;
      case 'completed':
        ui.event('✓', 'green', `${label} ${oneLine(detail.summary ?? description)}`);
        break;
      case 'failed':
        ui.event('✗', 'red', `${label} ${description}\n${' '.repeat(26)}${ui.paint('red', oneLine(detail.error ?? '', 100))}`);
        break;
      default:
        ui.event('–', 'yellow', `${label} ${description} ${ui.paint('dim', `(${detail.reason ?? state})`)}`);
    }
  }
}
