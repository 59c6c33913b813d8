import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';

export const TASKS_URI = 'orchestrate://tasks';
export const ACTIONS_URI = 'orchestrate://actions';
export const BUDGETS_URI = 'orchestrate://budgets';
export const TASK_TEMPLATE = 'orchestrate://tasks/{taskId}';
export const AUDIT_TEMPLATE = 'orchestrate://tasks/{taskId}/audit';

export type ResourceRef = { kind: 'tasks' | 'actions' | 'budgets'; uri: string } | { kind: 'task' | 'audit'; uri: string; taskId: string };

export function taskUri(taskId: string): string {
  return `${TASKS_URI}/${taskId}`;
}

export function auditUri(taskId: string): string {
  return `${TASKS_URI}/${taskId}/audit`;
}

const taskTemplate = new UriTemplate(TASK_TEMPLATE);
const auditTemplate = new UriTemplate(AUDIT_TEMPLATE);

/**
 * Which of our resources a URI names, with its canonical spelling: subscriptions are keyed by the
 * canonical URI so that the notifications carry exactly the URI we would list.
 */
export function parseResourceUri(uri: string): ResourceRef | undefined {
  if (uri === TASKS_URI) return { kind: 'tasks', uri };
  if (uri === ACTIONS_URI) return { kind: 'actions', uri };
  if (uri === BUDGETS_URI) return { kind: 'budgets', uri };
  const task = taskTemplate.match(uri)?.taskId;
  if (typeof task === 'string') return { kind: 'task', uri: taskUri(task), taskId: task };
  const audit = auditTemplate.match(uri)?.taskId;
  if (typeof audit === 'string') return { kind: 'audit', uri: auditUri(audit), taskId: audit };
  return undefined;
}
