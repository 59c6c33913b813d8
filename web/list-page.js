import { api, ApiError } from './api.js';
import { announce, h, headline, plural, replace, time } from './dom.js';
import { refresher } from './live.js';
import { phaseBadge, phaseInfo } from './states.js';

const PAGE_SIZE = 50;

const FILTERS = [
  { phase: 'all', label: 'All' },
  { phase: 'awaiting_approval', label: 'Awaiting approval' },
  { phase: 'active', label: 'Executing / awaiting' },
  { phase: 'completed', label: 'Completed' },
  { phase: 'failed', label: 'Failed' },
  { phase: 'cancelled', label: 'Cancelled' },
];

function readLocation() {
  const params = new URLSearchParams(location.search);
  const phase = FILTERS.some((f) => f.phase === params.get('phase')) ? params.get('phase') : 'all';
  const offset = Math.max(0, Number.parseInt(params.get('offset') ?? '0', 10) || 0);
  return { phase, offset };
}

function href(phase, offset = 0) {
  const params = new URLSearchParams();
  if (phase !== 'all') params.set('phase', phase);
  if (offset > 0) params.set('offset', String(offset));
  const query = params.toString();
  return query ? `/?${query}` : '/';
}

/** The task list: phase filters (links, so they work without script too), newest first, live. */
export function listPage(main) {
  let where = readLocation();
  let phases = new Map();
  const filters = h('ul', { class: 'filters' });
  const summary = h('p', { class: 'muted', id: 'list-summary' });
  const results = h('div', { class: 'results' });
  replace(
    main,
    h('h1', { id: 'page-title', tabindex: '-1' }, 'Tasks'),
    h('nav', { 'aria-label': 'Filter tasks by phase' }, filters),
    summary,
    results,
  );

  const navigate = (event) => {
    const link = event.target.closest('a[data-nav]');
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    history.pushState(null, '', link.getAttribute('href'));
    where = readLocation();
    phases = new Map();
    void refresh();
  };
  main.addEventListener('click', navigate);
  window.addEventListener('popstate', () => {
    where = readLocation();
    phases = new Map();
    void refresh();
  });

  const refresh = refresher(async () => {
    replace(
      filters,
      FILTERS.map((f) =>
        h(
          'li',
          {},
          h(
            'a',
            { id: `filter-${f.phase}`, href: href(f.phase), 'data-nav': '', 'aria-current': f.phase === where.phase ? 'page' : undefined },
            f.label,
          ),
        ),
      ),
    );
    document.title = `Tasks · ${FILTERS.find((f) => f.phase === where.phase)?.label} · orchestrate-mcp`;
    let page;
    try {
      page = await api.tasks(where.phase, PAGE_SIZE, where.offset);
    } catch (error) {
      replace(results, failure(error));
      return;
    }
    announceChanges(phases, page.items);
    phases = new Map(page.items.map((t) => [t.id, t.phase]));
    const last = Math.min(page.total, where.offset + page.items.length);
    summary.textContent =
      page.total === 0
        ? ''
        : `${plural(page.total, 'task')}${page.total > page.items.length ? `, showing ${where.offset + 1}–${last}` : ''}`;
    replace(results, page.items.length === 0 ? empty(where.phase) : table(page.items), pager(where, page.total));
  });

  return { refresh, onTask: () => void refresh() };
}

function table(items) {
  return h(
    'table',
    { class: 'tasks' },
    h('caption', { class: 'visually-hidden' }, 'Tasks, newest first'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Request', 'Phase', 'Steps', 'Created', 'Finished'].map((c) => h('th', { scope: 'col' }, c)),
      ),
    ),
    h(
      'tbody',
      {},
      items.map((t) =>
        h(
          'tr',
          { 'data-task': t.id },
          h('td', { class: 'request-cell' }, h('a', { href: `/?task=${encodeURIComponent(t.id)}` }, headline(t.request, 140))),
          h('td', {}, phaseBadge(t.phase)),
          h('td', { class: 'num' }, String(t.stepCount)),
          h('td', {}, time(t.createdAt)),
          h('td', {}, time(t.completedAt)),
        ),
      ),
    ),
  );
}

function pager(where, total) {
  if (total <= PAGE_SIZE) return null;
  const previous =
    where.offset > 0 ? h('a', { href: href(where.phase, Math.max(0, where.offset - PAGE_SIZE)), 'data-nav': '' }, '← Newer') : null;
  const next =
    where.offset + PAGE_SIZE < total ? h('a', { href: href(where.phase, where.offset + PAGE_SIZE), 'data-nav': '' }, 'Older →') : null;
  return h('nav', { class: 'pager', 'aria-label': 'Pages of tasks' }, previous, next);
}

function empty(phase) {
  return h(
    'p',
    { class: 'empty' },
    phase === 'all' ? 'No tasks yet. A task appears here as soon as an MCP client calls the plan tool.' : 'No tasks in this phase.',
  );
}

function failure(error) {
  const message = error instanceof ApiError ? `${error.message} ${error.hint}` : 'The server cannot be reached.';
  return h('p', { class: 'error', role: 'alert' }, message);
}

function announceChanges(before, items) {
  if (before.size === 0) return;
  const changed = items.filter((t) => before.has(t.id) && before.get(t.id) !== t.phase);
  const added = items.filter((t) => !before.has(t.id));
  const lines = [
    ...changed.slice(0, 3).map((t) => `“${headline(t.request, 60)}” is now ${phaseInfo(t.phase).label.toLowerCase()}.`),
    ...(added.length > 0 ? [`${plural(added.length, 'new task')}.`] : []),
  ];
  if (changed.length > 3) lines.push(`${changed.length - 3} more changed.`);
  announce(lines.join(' '));
}
