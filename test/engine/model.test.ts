/**
 * The transition tables, checked pair by pair against the tables written out below: a change to
 * what may follow what must be a deliberate change to this test too.
 */
import { describe, expect, it } from 'vitest';
import {
  PHASES,
  STEP_STATES,
  TERMINAL_PHASES,
  TERMINAL_STEP_STATES,
  TIERS,
  UNFINISHED_PHASES,
  allSucceeded,
  canTransitionPhase,
  canTransitionStep,
  countSteps,
  isTerminalPhase,
  isTerminalStepState,
  tierNeedsConfirmation,
  type Phase,
  type StepRun,
  type StepStateName,
  type Tier,
} from '../../src/engine/model.js';

const PHASE_TABLE: Record<Phase, Phase[]> = {
  planning: ['awaiting_approval', 'failed', 'cancelled'],
  awaiting_approval: ['executing', 'cancelled', 'failed'],
  executing: ['reconciling', 'awaiting_replan', 'failed', 'cancelled'],
  awaiting_replan: ['executing', 'reconciling', 'failed', 'cancelled'],
  reconciling: ['completed', 'failed', 'cancelled'],
  completed: [],
  failed: [],
  cancelled: [],
};

const STEP_TABLE: Record<StepStateName, StepStateName[]> = {
  pending: ['running', 'awaiting_confirmation', 'skipped', 'cancelled', 'failed'],
  running: ['pending', 'awaiting_confirmation', 'completed', 'failed', 'cancelled', 'skipped'],
  awaiting_confirmation: ['pending', 'running', 'completed', 'cancelled', 'failed', 'skipped'],
  completed: [],
  failed: [],
  skipped: [],
  cancelled: [],
};

function pairs<T extends string>(values: readonly T[], table: Record<T, T[]>): Array<[T, T, boolean]> {
  return values.flatMap((from) => values.map((to): [T, T, boolean] => [from, to, table[from].includes(to)]));
}

describe('phase transitions', () => {
  it('the table names exactly the phases of the model', () => {
    expect(Object.keys(PHASE_TABLE).sort()).toEqual([...PHASES].sort());
  });

  it.each(pairs(PHASES, PHASE_TABLE))('%s → %s allowed: %s', (from, to, allowed) => {
    expect(canTransitionPhase(from, to)).toBe(allowed);
  });

  it('terminal phases are completed, failed and cancelled, and nothing follows them', () => {
    expect([...TERMINAL_PHASES]).toEqual(['completed', 'failed', 'cancelled']);
    for (const phase of PHASES) {
      const terminal = (TERMINAL_PHASES as readonly Phase[]).includes(phase);
      expect(isTerminalPhase(phase), phase).toBe(terminal);
      if (terminal)
        expect(
          PHASES.filter((to) => canTransitionPhase(phase, to)),
          phase,
        ).toEqual([]);
    }
  });

  it('every phase that is not terminal leads somewhere, and none leads back to planning or to itself', () => {
    for (const phase of PHASES.filter((p) => !isTerminalPhase(p))) {
      expect(
        PHASES.some((to) => canTransitionPhase(phase, to)),
        phase,
      ).toBe(true);
      expect(canTransitionPhase(phase, 'planning'), phase).toBe(false);
      expect(canTransitionPhase(phase, phase), phase).toBe(false);
    }
  });

  it('counts as unfinished exactly the approved phases that have not ended', () => {
    expect([...UNFINISHED_PHASES]).toEqual(['executing', 'awaiting_replan', 'reconciling']);
  });
});

describe('step state transitions', () => {
  it('the table names exactly the step states of the model', () => {
    expect(Object.keys(STEP_TABLE).sort()).toEqual([...STEP_STATES].sort());
  });

  it.each(pairs(STEP_STATES, STEP_TABLE))('%s → %s allowed: %s', (from, to, allowed) => {
    expect(canTransitionStep(from, to)).toBe(allowed);
  });

  it('terminal states are completed, failed, skipped and cancelled, and nothing follows them', () => {
    expect([...TERMINAL_STEP_STATES]).toEqual(['completed', 'failed', 'skipped', 'cancelled']);
    for (const state of STEP_STATES) {
      const terminal = (TERMINAL_STEP_STATES as readonly StepStateName[]).includes(state);
      expect(isTerminalStepState(state), state).toBe(terminal);
      if (terminal)
        expect(
          STEP_STATES.filter((to) => canTransitionStep(state, to)),
          state,
        ).toEqual([]);
    }
  });
});

describe('countSteps', () => {
  const runs = (...states: StepStateName[]) => ({ runs: new Map<string, StepRun>(states.map((state, i) => [`s${i + 1}`, { state }])) });

  it('counts nothing for a task without steps', () => {
    expect(countSteps(runs())).toEqual({
      pending: 0,
      running: 0,
      awaiting: 0,
      completed: 0,
      failed: 0,
      skipped: 0,
      cancelled: 0,
      total: 0,
    });
  });

  it('counts each state, awaiting_confirmation as awaiting, and every step in the total', () => {
    const counts = countSteps(
      runs(
        'pending',
        'running',
        'running',
        'awaiting_confirmation',
        'completed',
        'completed',
        'completed',
        'failed',
        'skipped',
        'cancelled',
      ),
    );
    expect(counts).toEqual({ pending: 1, running: 2, awaiting: 1, completed: 3, failed: 1, skipped: 1, cancelled: 1, total: 10 });
  });
});

describe('allSucceeded', () => {
  const runs = (...states: StepStateName[]) => ({ runs: new Map<string, StepRun>(states.map((state, i) => [`s${i + 1}`, { state }])) });

  it('holds when every step completed, and for a task without steps', () => {
    expect(allSucceeded(runs('completed', 'completed'))).toBe(true);
    expect(allSucceeded(runs())).toBe(true);
  });

  it.each(STEP_STATES.filter((state) => state !== 'completed'))('fails when one step is %s', (state) => {
    expect(allSucceeded(runs('completed', state, 'completed'))).toBe(false);
  });
});

describe('tierNeedsConfirmation', () => {
  const expected: Record<Tier, boolean> = { read: false, write: false, execute: false, destructive: true, external: true };

  it('the expectation names exactly the tiers of the model', () => {
    expect(Object.keys(expected).sort()).toEqual([...TIERS].sort());
  });

  it.each(TIERS.map((tier) => [tier, expected[tier]] as const))('%s needs a confirmation: %s', (tier, needs) => {
    expect(tierNeedsConfirmation(tier)).toBe(needs);
  });
});
