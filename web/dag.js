import { h, s } from './dom.js';
import { layoutDag, NODE } from './layout.js';
import { stepState } from './states.js';

/** What an edge says about its dependency: met, still to come, or never going to be met. */
function edgeKind(state) {
  if (state === 'completed') return 'met';
  if (state === 'failed' || state === 'cancelled' || state === 'skipped') return 'broken';
  return 'waiting';
}

function clip(text, max) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function marker(kind) {
  return s(
    'marker',
    { id: `arrow-${kind}`, viewBox: '0 0 10 10', refX: '9', refY: '5', markerWidth: '6', markerHeight: '6', orient: 'auto-start-reverse' },
    s('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: `arrow arrow-${kind}` }),
  );
}

function node(step, box, onSelect) {
  const state = stepState(step.state);
  return s(
    'g',
    {
      class: `node tone-${step.state}`,
      transform: `translate(${box.x} ${box.y})`,
      'data-step': step.id,
      'data-column': String(box.column),
      onclick: () => onSelect(step.id),
    },
    s('title', {}, `${step.id}: ${step.description} — ${state.label}`),
    s('rect', { width: NODE.width, height: NODE.height, rx: '9' }),
    s(
      'text',
      { x: '12', y: '23', class: 'node-title' },
      s('tspan', { class: 'node-icon' }, state.icon),
      ` ${step.id} · ${clip(step.action, 18)}`,
    ),
    s('text', { x: '12', y: '43', class: 'node-desc' }, clip(step.description.split('\n', 1)[0], 30)),
    s('text', { x: '12', y: '62', class: 'node-state' }, state.label),
  );
}

/**
 * The plan as a graph: columns by dependency depth, nodes coloured by state (with a symbol and
 * the state's word), arrows from each dependency. The step list is its accessible version.
 */
export function dagFigure(steps, onSelect) {
  const layout = layoutDag(steps);
  const boxes = new Map(layout.nodes.map((n) => [n.id, n]));
  const states = new Map(steps.map((step) => [step.id, step.state]));
  const edges = layout.edges.map(({ from, to }) => {
    const a = boxes.get(from);
    const b = boxes.get(to);
    const x1 = a.x + NODE.width;
    const y1 = a.y + NODE.height / 2;
    const x2 = b.x - 2;
    const y2 = b.y + NODE.height / 2;
    const bend = (x2 - x1) / 2;
    const kind = edgeKind(states.get(from));
    return s('path', {
      class: `edge edge-${kind}`,
      d: `M ${x1} ${y1} C ${x1 + bend} ${y1}, ${x2 - bend} ${y2}, ${x2} ${y2}`,
      'marker-end': `url(#arrow-${kind})`,
      'data-from': from,
      'data-to': to,
    });
  });
  const svg = s(
    'svg',
    {
      class: 'dag',
      width: String(layout.width),
      height: String(layout.height),
      viewBox: `0 0 ${layout.width} ${layout.height}`,
      role: 'img',
      'aria-labelledby': 'dag-title dag-desc',
    },
    s('title', { id: 'dag-title' }, 'Plan graph'),
    s(
      'desc',
      { id: 'dag-desc' },
      `${steps.length} steps in ${layout.columns} columns by dependency depth. The step list below describes each step and what it depends on.`,
    ),
    s('defs', {}, marker('met'), marker('waiting'), marker('broken')),
    s('g', { class: 'edges' }, edges),
    s(
      'g',
      { class: 'nodes' },
      steps.map((step) => node(step, boxes.get(step.id), onSelect)),
    ),
  );
  return h(
    'figure',
    { class: 'dag-figure', id: 'dag' },
    h('div', { class: 'dag-scroll', tabindex: '0', role: 'region', 'aria-label': 'Plan graph, scrollable' }, svg),
    h('figcaption', {}, legend()),
  );
}

function legend() {
  return h(
    'ul',
    { class: 'legend', 'aria-label': 'Legend' },
    ['pending', 'running', 'awaiting_confirmation', 'completed', 'failed', 'skipped', 'cancelled'].map((state) =>
      h(
        'li',
        { class: `tone-${state}` },
        h('span', { class: 'swatch', 'aria-hidden': 'true' }, stepState(state).icon),
        stepState(state).label,
      ),
    ),
    h('li', { class: 'legend-edge' }, h('span', { class: 'edge-sample edge-met', 'aria-hidden': 'true' }), 'dependency met'),
    h('li', { class: 'legend-edge' }, h('span', { class: 'edge-sample edge-waiting', 'aria-hidden': 'true' }), 'waiting'),
  );
}
