import { h, time } from './dom.js';
import { phaseBadge } from './states.js';

const OUTCOME_ICONS = { success: '✓', failure: '✗', cancelled: '⊘', timeout: '!' };
const ACTORS = { human: 'a person', model: 'the model', policy: 'policy', system: 'the server' };

/** Who decided or acted, and through what ("a person (web view)"). */
function who(e) {
  const actor = ACTORS[e.actor] ?? e.actor ?? '—';
  return e.source && e.source !== 'orchestrator' ? `${actor} (${e.source})` : actor;
}

/** The event in words: "plan approved", "step completed", … */
function event(e) {
  return (e.kind ?? e.decision ?? '').replaceAll('_', ' ');
}

/** Phase changes, oldest first. */
export function phaseHistory(audit) {
  return h(
    'ol',
    { class: 'phases' },
    audit.phases.map((p) => h('li', {}, time(p.enteredAt), ' ', phaseBadge(p.state))),
  );
}

/** The audit log: every decision and every executed step, oldest first. */
export function auditTable(audit) {
  if (audit.entries.length === 0) return h('p', { class: 'muted' }, 'No audit entries yet.');
  return h(
    'div',
    { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'Audit log, scrollable' },
    h(
      'table',
      { class: 'audit' },
      h('caption', { class: 'visually-hidden' }, 'Audit log, oldest first'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Time', 'Step', 'Who', 'Event', 'Tier', 'Outcome', 'Details'].map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      h(
        'tbody',
        {},
        audit.entries.map((e) =>
          h(
            'tr',
            {},
            h('td', {}, time(e.ts)),
            h('td', {}, e.stepId ? h('a', { href: `#step-${e.stepId}` }, e.stepId) : '—'),
            h('td', {}, who(e)),
            h('td', {}, event(e)),
            h('td', {}, e.tier ?? '—'),
            h(
              'td',
              {},
              h(
                'span',
                { class: `outcome outcome-${e.outcome ?? 'none'}` },
                h('span', { 'aria-hidden': 'true' }, OUTCOME_ICONS[e.outcome] ?? ''),
                ` ${e.outcome ?? '—'}`,
              ),
            ),
            h('td', {}, entryDetails(e)),
          ),
        ),
      ),
    ),
  );
}

function entryDetails(e) {
  const parts = [
    e.comment ? ['Comment', e.comment] : null,
    e.action ? ['Action', e.action] : null,
    e.exitCode !== undefined && e.exitCode !== null ? ['Exit code', String(e.exitCode)] : null,
    e.stdout ? ['stdout', e.stdout] : null,
    e.stderr ? ['stderr', e.stderr] : null,
  ].filter(Boolean);
  if (parts.length === 0) return '—';
  return h(
    'details',
    {},
    h('summary', {}, 'Show'),
    parts.map(([k, v]) => [h('h4', {}, k), h('pre', {}, v)]),
  );
}

const BUDGET_KINDS = [
  ['tokens', 'Tokens', ''],
  ['wallSeconds', 'Wall time', ' s'],
  ['delegations', 'Delegations', ''],
];

function amount(value, unit) {
  return value === undefined || value === null ? '—' : `${Number(value).toLocaleString('en-US')}${unit}`;
}

/** Spend against the task's budgets and today's: one row per budget, "—" where there is no limit. */
export function budgetList(budget) {
  const scopes = [
    ['This task', budget.task],
    [budget.day?.date ? `Today (${budget.day.date}, UTC)` : 'Today', budget.day],
  ].filter(([, scope]) => scope && typeof scope === 'object');
  const rows = scopes.flatMap(([label, scope]) =>
    BUDGET_KINDS.filter(([kind]) => scope[kind]).map(([kind, name, unit]) => {
      const { spent, limit, left } = scope[kind];
      return h(
        'tr',
        {},
        h('th', { scope: 'row' }, `${label}: ${name.toLowerCase()}`),
        h('td', {}, amount(spent, unit)),
        h('td', {}, limit === undefined ? 'unlimited' : amount(limit, unit)),
        h('td', {}, amount(left, unit)),
      );
    }),
  );
  const reserved = budget.task?.reservedTokens
    ? h('p', { class: 'muted' }, `${amount(budget.task.reservedTokens, '')} tokens held by sampling requests in flight.`)
    : null;
  return [
    h(
      'div',
      { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'Budgets, scrollable' },
      h(
        'table',
        { class: 'audit budget' },
        h('caption', { class: 'visually-hidden' }, 'Spend against each budget'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Budget', 'Spent', 'Limit', 'Left'].map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        h('tbody', {}, rows),
      ),
    ),
    reserved,
  ].filter(Boolean);
}
