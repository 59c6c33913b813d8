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

/** Limits and use, when the task carries them: every field as the server sends it. */
export function budgetList(budget) {
  return h(
    'dl',
    { class: 'meta' },
    Object.entries(budget).map(([key, value]) => [
      h('dt', {}, key),
      h('dd', {}, typeof value === 'object' && value !== null ? h('pre', {}, JSON.stringify(value, null, 2)) : String(value)),
    ]),
  );
}
