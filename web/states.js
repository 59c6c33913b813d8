import { h } from './dom.js';

/** Every state has a word and a symbol as well as a colour: colour is never the only signal. */
export const STEP_STATES = {
  pending: { label: 'Pending', icon: '○' },
  running: { label: 'Running', icon: '▶' },
  awaiting_confirmation: { label: 'Awaiting confirmation', icon: '‖' },
  completed: { label: 'Completed', icon: '✓' },
  failed: { label: 'Failed', icon: '✗' },
  skipped: { label: 'Skipped', icon: '↷' },
  cancelled: { label: 'Cancelled', icon: '⊘' },
};

export const PHASES = {
  planning: { label: 'Planning', icon: '…', tone: 'pending' },
  awaiting_approval: { label: 'Awaiting approval', icon: '‖', tone: 'awaiting_confirmation' },
  executing: { label: 'Executing', icon: '▶', tone: 'running' },
  awaiting_replan: { label: 'Awaiting replan', icon: '‖', tone: 'awaiting_confirmation' },
  reconciling: { label: 'Reconciling', icon: '▶', tone: 'running' },
  completed: { label: 'Completed', icon: '✓', tone: 'completed' },
  failed: { label: 'Failed', icon: '✗', tone: 'failed' },
  cancelled: { label: 'Cancelled', icon: '⊘', tone: 'cancelled' },
};

export const TERMINAL_PHASES = new Set(['completed', 'failed', 'cancelled']);

export function stepState(state) {
  return STEP_STATES[state] ?? { label: state, icon: '?' };
}

export function phaseInfo(phase) {
  return PHASES[phase] ?? { label: phase, icon: '?', tone: 'pending' };
}

function badge(tone, icon, label, extra = {}) {
  return h('span', { class: `badge tone-${tone}`, ...extra }, h('span', { class: 'icon', 'aria-hidden': 'true' }, icon), ' ', label);
}

export function stepBadge(state) {
  const info = stepState(state);
  return badge(state, info.icon, info.label);
}

export function phaseBadge(phase, extra) {
  const info = phaseInfo(phase);
  return badge(info.tone, info.icon, info.label, extra);
}

/** Tiers that ask a person before a step runs are marked as such. */
export function tierBadge(tier) {
  const risky = tier === 'destructive' || tier === 'external';
  return h('span', { class: `tier${risky ? ' tier-risky' : ''}` }, risky ? `⚠ ${tier}` : tier);
}
