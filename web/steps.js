import { duration, h, plural, time } from './dom.js';
import { stepBadge, tierBadge } from './states.js';

/**
 * The step list: the accessible version of the graph. Each step says its state in words, what it
 * depends on (as links), its times, summary, error and output.
 */
export function stepList(view, ui) {
  return h(
    'ol',
    { class: 'steps' },
    view.steps.map((step) => stepItem(step, ui)),
  );
}

function stepItem(step, ui) {
  const took = duration(step.startedAt, step.finishedAt);
  const deps =
    step.dependsOn.length === 0 ? 'nothing' : step.dependsOn.flatMap((d, i) => [i > 0 ? ', ' : null, h('a', { href: `#step-${d}` }, d)]);
  return h(
    'li',
    { class: `step tone-${step.state}`, id: `step-${step.id}`, tabindex: '-1', 'data-state': step.state },
    h(
      'div',
      { class: 'step-head' },
      h('h3', { id: `step-${step.id}-title` }, h('span', { class: 'step-id' }, step.id), ' ', step.description.split('\n', 1)[0]),
      stepBadge(step.state),
    ),
    step.description.includes('\n') ? h('p', { class: 'pre' }, step.description) : null,
    h(
      'dl',
      { class: 'meta' },
      pair('Action', h('code', {}, step.action)),
      pair('Tier', tierBadge(step.tier)),
      pair('Depends on', deps),
      pair('Started', time(step.startedAt)),
      pair('Finished', time(step.finishedAt)),
      took ? pair('Took', took) : null,
    ),
    step.state === 'awaiting_confirmation'
      ? h('p', { class: 'callout' }, 'Waits for your confirmation: ', h('a', { href: '#needs' }, 'answer above'), '.')
      : null,
    step.summary ? h('p', { class: 'summary' }, step.summary) : null,
    step.error ? h('p', { class: 'error-text' }, h('strong', {}, 'Error: '), step.error) : null,
    step.reason ? h('p', { class: 'reason' }, h('strong', {}, 'Reason: '), step.reason) : null,
    details(`input-${step.id}`, 'Input', ui, h('pre', {}, JSON.stringify(step.input, null, 2))),
    step.outputs ? outputs(step, ui) : null,
  );
}

function pair(term, value) {
  return [h('dt', {}, term), h('dd', {}, value)];
}

/** A <details> whose open state survives the live re-renders. */
function details(key, label, ui, ...content) {
  const element = h('details', { open: ui.open.has(key), 'data-key': key }, h('summary', {}, label), ...content);
  element.addEventListener('toggle', () => (element.open ? ui.open.add(key) : ui.open.delete(key)));
  return element;
}

function outputs(step, ui) {
  const full = ui.full.get(step.id)?.outputs;
  const out = full ?? step.outputs;
  const exit = out.exitCode === null || out.exitCode === undefined ? '' : ` (exit ${out.exitCode})`;
  const stream = (name) => {
    const text = out[name];
    const total = out[`${name}Chars`];
    if (!text && !total) return null;
    const cut = text.length < total;
    return [
      h(
        'h4',
        {},
        name,
        cut ? h('span', { class: 'muted' }, ` — first ${plural(text.length, 'character')} of ${total.toLocaleString()}`) : null,
      ),
      h('pre', { class: 'output', tabindex: '0', 'aria-label': `${name} of ${step.id}` }, text),
      cut
        ? h(
            'button',
            { type: 'button', id: `more-${name}-${step.id}`, onclick: () => ui.showAll(step.id) },
            `Show all of ${name} (${plural(total, 'character')})`,
          )
        : null,
    ];
  };
  const data = out.data === undefined || out.data === null ? null : [h('h4', {}, 'Data'), h('pre', {}, JSON.stringify(out.data, null, 2))];
  const artifacts =
    out.artifacts.length === 0
      ? null
      : [
          h('h4', {}, 'Artifacts'),
          h(
            'ul',
            {},
            out.artifacts.map((path) => h('li', {}, h('code', {}, path))),
          ),
        ];
  const note = out.truncated ? h('p', { class: 'muted' }, 'The action cut its own output.') : null;
  const body = [stream('stdout'), stream('stderr'), data, artifacts, note].filter(Boolean);
  return details(`output-${step.id}`, `Output${exit}`, ui, body.length > 0 ? body : h('p', { class: 'muted' }, 'No output.'));
}
