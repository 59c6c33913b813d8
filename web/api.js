/** The web API of this server, over fetch with the session cookie. */

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code ?? 'HTTP_ERROR';
    this.hint = body?.error?.hint ?? '';
  }
}

async function call(method, path, body) {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: { Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const value = await response.json().catch(() => undefined);
  if (!response.ok) throw new ApiError(response.status, value);
  return value;
}

const task = (id) => `/api/tasks/${encodeURIComponent(id)}`;

export const api = {
  tasks: (phase, limit, offset) =>
    call('GET', `/api/tasks?${new URLSearchParams({ phase, limit: String(limit), offset: String(offset) })}`),
  task: (id) => call('GET', task(id)),
  audit: (id) => call('GET', `${task(id)}/audit`),
  step: (id, stepId) => call('GET', `${task(id)}/steps/${encodeURIComponent(stepId)}`),
  approve: (id, planHash, comment) => call('POST', `${task(id)}/approve`, { planHash, ...(comment ? { comment } : {}) }),
  reject: (id, comment) => call('POST', `${task(id)}/reject`, comment ? { comment } : {}),
  cancel: (id, reason) => call('POST', `${task(id)}/cancel`, reason ? { reason } : {}),
  answerStep: (id, stepId, decision) => call('POST', `${task(id)}/steps/${encodeURIComponent(stepId)}`, { decision }),
};
