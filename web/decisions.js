import { api, ApiError } from './api.js';
import { announce, h } from './dom.js';

/** Runs one decision: buttons busy meanwhile, the error shown in `alert` when refused, announced when done. */
async function decide(form, alert, run, done) {
  const buttons = [...form.querySelectorAll('button')];
  buttons.forEach((b) => (b.disabled = true));
  form.setAttribute('aria-busy', 'true');
  alert.textContent = '';
  try {
    await run();
    announce(done);
    return true;
  } catch (error) {
    alert.textContent = error instanceof ApiError ? `${error.message} ${error.hint}` : 'The server cannot be reached; nothing was decided.';
    return false;
  } finally {
    buttons.forEach((b) => (b.disabled = false));
    form.removeAttribute('aria-busy');
  }
}

/** What the task waits for from a person: the plan's approval, step confirmations, or corrective steps from the client. */
export function needsSection(view, refresh) {
  const items = (view.awaiting ?? []).map((a) => {
    if (a.kind === 'plan_approval') return planDecision(view, refresh);
    if (a.kind === 'step_confirmation') return stepDecision(view, a, refresh);
    if (a.kind === 'step_interrupted') return interruptedDecision(view, a, refresh);
    if (a.kind === 'client') {
      return h(
        'div',
        { class: 'decision' },
        h('h3', {}, `Step ${a.stepId} waits for an MCP client`),
        h('p', {}, a.description),
        h('p', { class: 'muted' }, 'It needs the LLM of a client that supports sampling. Open one (Claude Desktop, VS Code…) and it runs.'),
      );
    }
    return h(
      'div',
      { class: 'decision' },
      h('h3', {}, `Step ${a.failedStepId} failed; waiting for corrective steps`),
      h('p', {}, 'The MCP client that runs this task is asked to write corrective steps. Nothing to do here; you can cancel the task.'),
      h('p', { class: 'error-text' }, a.error),
    );
  });
  if (items.length === 0) return null;
  return h(
    'section',
    { class: 'needs', id: 'needs', 'aria-labelledby': 'needs-title' },
    h('h2', { id: 'needs-title' }, 'Needs your decision'),
    items,
  );
}

function planDecision(view, refresh) {
  const alert = h('p', { class: 'error', role: 'alert' });
  const comment = h('textarea', { id: 'plan-comment', name: 'comment', rows: '2', maxlength: '10000' });
  const form = h(
    'form',
    { class: 'decision', id: 'plan-decision' },
    h('h3', {}, 'Approve this plan?'),
    h(
      'p',
      {},
      `Approving runs the ${view.steps.length} steps below`,
      view.workdir ? [' in ', h('code', {}, view.workdir)] : null,
      '. Plan hash ',
      h('code', {}, view.planHash),
      '.',
    ),
    h('label', { for: 'plan-comment' }, 'Comment ', h('span', { class: 'muted' }, '(optional, kept in the audit log)')),
    comment,
    h(
      'div',
      { class: 'buttons' },
      h('button', { type: 'submit', class: 'primary', id: 'approve-plan' }, '✓ Approve plan'),
      h('button', { type: 'button', class: 'danger', id: 'reject-plan' }, '✗ Reject plan'),
    ),
    alert,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void decide(form, alert, () => api.approve(view.id, view.planHash, comment.value.trim()), 'Plan approved; the task runs.').then(
      refresh,
    );
  });
  form.querySelector('#reject-plan').addEventListener('click', () => {
    void decide(form, alert, () => api.reject(view.id, comment.value.trim()), 'Plan rejected; the task is cancelled.').then(refresh);
  });
  return form;
}

function stepDecision(view, awaiting, refresh) {
  const { stepId } = awaiting;
  const alert = h('p', { class: 'error', role: 'alert' });
  const viaForm = awaiting.via === 'form';
  const form = h(
    'form',
    { class: 'decision', id: `decision-${stepId}` },
    h('h3', {}, `Confirm step ${stepId}?`),
    h('p', {}, h('strong', {}, `⚠ ${awaiting.tier}`), ': ', awaiting.description),
    viaForm
      ? h(
          'p',
          { class: 'muted' },
          'The person using the MCP client is being asked in a form there; confirm it in that form. You can still refuse here.',
        )
      : null,
    h(
      'div',
      { class: 'buttons' },
      viaForm ? null : h('button', { type: 'button', class: 'primary', id: `confirm-${stepId}` }, `✓ Confirm step ${stepId}`),
      h('button', { type: 'button', class: 'danger', id: `refuse-${stepId}` }, `✗ Refuse step ${stepId}`),
    ),
    alert,
  );
  const answer = (decision, done) => () => void decide(form, alert, () => api.answerStep(view.id, stepId, decision), done).then(refresh);
  form.querySelector(`#confirm-${stepId}`)?.addEventListener('click', answer('approve', `Step ${stepId} confirmed.`));
  form.querySelector(`#refuse-${stepId}`).addEventListener('click', answer('reject', `Step ${stepId} refused.`));
  form.addEventListener('submit', (event) => event.preventDefault());
  return form;
}

/** A step that was running when its server stopped: run it again, count it as done, or fail it. */
function interruptedDecision(view, awaiting, refresh) {
  const { stepId } = awaiting;
  const alert = h('p', { class: 'error', role: 'alert' });
  const form = h(
    'form',
    { class: 'decision', id: `decision-${stepId}` },
    h('h3', {}, `Step ${stepId} was interrupted`),
    h('p', {}, h('strong', {}, `⚠ ${awaiting.tier}`), ': ', awaiting.description),
    h(
      'p',
      { class: 'muted' },
      'The server stopped while this step ran, so it may have had its effect. Check, then run it again, count it as done, or fail it.',
    ),
    h(
      'div',
      { class: 'buttons' },
      h('button', { type: 'button', class: 'primary', id: `retry-${stepId}` }, `↻ Run ${stepId} again`),
      h('button', { type: 'button', id: `done-${stepId}` }, `✓ It is done`),
      h('button', { type: 'button', class: 'danger', id: `fail-${stepId}` }, `✗ Fail ${stepId}`),
    ),
    alert,
  );
  const answer = (decision, done) => () => void decide(form, alert, () => api.answerStep(view.id, stepId, decision), done).then(refresh);
  form.querySelector(`#retry-${stepId}`).addEventListener('click', answer('retry', `Step ${stepId} runs again.`));
  form.querySelector(`#done-${stepId}`).addEventListener('click', answer('done', `Step ${stepId} counted as done.`));
  form.querySelector(`#fail-${stepId}`).addEventListener('click', answer('fail', `Step ${stepId} failed.`));
  form.addEventListener('submit', (event) => event.preventDefault());
  return form;
}

/** "Cancel task…" and its confirmation dialog (a modal <dialog>: focus stays inside, Escape closes it). */
export function cancelControl(taskId, refresh) {
  const alert = h('p', { class: 'error', role: 'alert' });
  const reason = h('input', { id: 'cancel-reason', name: 'reason', type: 'text', maxlength: '10000', autocomplete: 'off' });
  const keep = h('button', { type: 'button', id: 'cancel-keep' }, 'Keep it');
  const form = h(
    'form',
    { method: 'dialog' },
    h('h2', { id: 'cancel-title' }, 'Cancel this task?'),
    h('p', {}, 'Running steps are stopped (their processes killed) and steps not yet run will not run.'),
    h('label', { for: 'cancel-reason' }, 'Reason ', h('span', { class: 'muted' }, '(optional, kept in the audit log)')),
    reason,
    h('div', { class: 'buttons' }, h('button', { type: 'submit', class: 'danger', id: 'cancel-confirm' }, '⊘ Cancel task'), keep),
    alert,
  );
  const dialog = h('dialog', { id: 'cancel-dialog', 'aria-labelledby': 'cancel-title' }, form);
  keep.addEventListener('click', () => dialog.close());
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void decide(form, alert, () => api.cancel(taskId, reason.value.trim()), 'Task cancelled.').then((ok) => {
      if (ok) dialog.close();
      refresh();
    });
  });
  const open = h('button', { type: 'button', class: 'danger-outline', id: 'cancel-open' }, '⊘ Cancel task…');
  open.addEventListener('click', () => {
    alert.textContent = '';
    dialog.showModal();
  });
  return { open, dialog };
}
