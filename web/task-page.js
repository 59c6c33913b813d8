import { api, ApiError } from './api.js';
import { dagFigure } from './dag.js';
import { cancelControl, needsSection } from './decisions.js';
import { announce, h, headline, plural, replace, time } from './dom.js';
import { auditTable, budgetList, phaseHistory } from './history.js';
import { refresher } from './live.js';
import { stepList } from './steps.js';
import { phaseBadge, phaseInfo, stepState, TERMINAL_PHASES } from './states.js';

const ORIGINS = { sampling: "the client's LLM (sampling)", host: 'the calling model' };

/** One task, live: each section is rebuilt only when what it shows changed, so focus and typing survive updates. */
export function taskPage(main, taskId) {
  const ui = { open: new Set(), full: new Map(), showAll: undefined };
  const parts = {
    head: h('header', { class: 'task-head' }),
    needs: h('div'),
    overview: h('section', { 'aria-labelledby': 'overview-title' }),
    graph: h('section', { 'aria-labelledby': 'graph-title' }),
    steps: h('section', { 'aria-labelledby': 'steps-title' }),
    budget: h('div'),
    history: h('section', { 'aria-labelledby': 'history-title' }),
  };
  const signatures = new Map();
  let last;
  const refresh = refresher(async () => {
    let view;
    let audit;
    try {
      [view, audit] = await Promise.all([api.task(taskId), api.audit(taskId)]);
    } catch (error) {
      if (!last) replace(main, notFound(error));
      else announce('The latest state could not be loaded; retrying with the next change.');
      return;
    }
    if (last) announce(changes(last, view));
    last = view;
    render(view, audit);
  });
  const cancel = cancelControl(taskId, () => void refresh());
  ui.showAll = async (stepId) => {
    try {
      ui.full.set(stepId, await api.step(taskId, stepId));
      ui.open.add(`output-${stepId}`);
      signatures.delete('steps');
      if (last) render(last, undefined);
    } catch {
      announce('The full output could not be loaded.');
    }
  };

  const update = (name, signature, build) => {
    if (signatures.get(name) === signature) return;
    signatures.set(name, signature);
    const lost = replace(parts[name], build());
    if (lost) document.getElementById('task-title')?.focus();
  };
  const render = (view, audit) => {
    document.title = `${phaseInfo(view.phase).label} · ${headline(view.request, 60)} · orchestrate-mcp`;
    update('head', JSON.stringify([view.phase, view.request]), () => head(view, cancel.open));
    update('needs', JSON.stringify([view.phase, view.awaiting, view.planHash]), () => needsSection(view, () => void refresh()));
    update('overview', JSON.stringify([view.phase, view.counts, view.completedAt, view.summaryText]), () => overview(view));
    update('graph', JSON.stringify(view.steps.map((s) => [s.id, s.state, s.dependsOn])), () => graph(view));
    update('steps', JSON.stringify([view.steps, [...ui.full.keys()]]), () => [
      h('h2', { id: 'steps-title' }, `Steps (${view.steps.length})`),
      stepList(view, ui),
    ]);
    update('budget', JSON.stringify(view.budget ?? null), () =>
      view.budget
        ? h('section', { 'aria-labelledby': 'budget-title' }, h('h2', { id: 'budget-title' }, 'Budget'), budgetList(view.budget))
        : null,
    );
    if (audit) {
      update('history', JSON.stringify([audit.phases.length, audit.entries.length]), () => [
        h('h2', { id: 'history-title' }, 'History'),
        h('h3', {}, 'Phases'),
        phaseHistory(audit),
        h('h3', {}, 'Audit log'),
        auditTable(audit),
      ]);
    }
  };

  replace(
    main,
    h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: '/' }, '← All tasks')),
    Object.values(parts),
    cancel.dialog,
  );
  return { refresh, onTask: (id) => id === taskId && void refresh() };
}

function head(view, cancelButton) {
  return [
    h('h1', { id: 'task-title', tabindex: '-1' }, headline(view.request)),
    h(
      'div',
      { class: 'head-row' },
      h('p', { class: 'phase' }, h('span', { class: 'visually-hidden' }, 'Phase: '), phaseBadge(view.phase, { id: 'phase-badge' })),
      TERMINAL_PHASES.has(view.phase) ? null : cancelButton,
    ),
  ];
}

function overview(view) {
  const c = view.counts;
  const counts = [
    `${c.completed} of ${plural(c.total, 'step')} completed`,
    c.running ? `${c.running} running` : null,
    c.awaiting ? `${c.awaiting} awaiting confirmation` : null,
    c.failed ? `${c.failed} failed` : null,
    c.skipped ? `${c.skipped} skipped` : null,
    c.cancelled ? `${c.cancelled} cancelled` : null,
  ].filter(Boolean);
  const row = (term, value) => [h('dt', {}, term), h('dd', {}, value)];
  return [
    h('h2', { id: 'overview-title' }, 'Overview'),
    h(
      'dl',
      { class: 'meta overview' },
      row('Request', h('p', { class: 'pre request' }, view.request)),
      row('Phase', phaseBadge(view.phase)),
      row('Steps', counts.join(' · ')),
      row('Plan hash', h('code', { id: 'plan-hash' }, view.planHash)),
      row('Working directory', view.workdir ? h('code', {}, view.workdir) : h('span', { class: 'muted' }, 'not recorded')),
      row('Plan written by', ORIGINS[view.origin] ?? view.origin),
      row('Created', time(view.createdAt)),
      row('Finished', time(view.completedAt)),
      view.replanAttempts > 0 ? row('Replans', String(view.replanAttempts)) : null,
    ),
    h('details', { class: 'report' }, h('summary', {}, 'Summary as the client sees it'), h('pre', {}, view.summaryText)),
  ];
}

function graph(view) {
  const select = (stepId) => {
    const item = document.getElementById(`step-${stepId}`);
    item?.scrollIntoView({ block: 'start' });
    item?.focus({ preventScroll: true });
  };
  return [
    h('h2', { id: 'graph-title' }, 'Plan graph'),
    view.steps.length ? dagFigure(view.steps, select) : h('p', { class: 'muted' }, 'No steps.'),
  ];
}

function changes(before, after) {
  const lines = [];
  if (before.phase !== after.phase) lines.push(`Task ${phaseInfo(after.phase).label.toLowerCase()}.`);
  const old = new Map(before.steps.map((s) => [s.id, s.state]));
  const moved = after.steps.filter((s) => old.get(s.id) !== s.state);
  lines.push(...moved.slice(0, 3).map((s) => `Step ${s.id} ${stepState(s.state).label.toLowerCase()}.`));
  if (moved.length > 3) lines.push(`${moved.length - 3} more steps changed.`);
  return lines.join(' ');
}

function notFound(error) {
  const message = error instanceof ApiError ? `${error.message} ${error.hint}` : 'The server cannot be reached.';
  return [
    h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: '/' }, '← All tasks')),
    h('h1', { id: 'task-title', tabindex: '-1' }, 'Task not available'),
    h('p', { class: 'error', role: 'alert' }, message),
  ];
}
