import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { Engine } from '../engine/engine.js';
import type { TaskView } from '../engine/views/view.js';
import { isOrchestrateError } from '../errors.js';

/** How many tasks the list resource carries; older ones are paged with the `status` tool. */
export const TASKS_RESOURCE_LIMIT = 100;

/**
 * The protocol error for a resource that does not exist. SDK 1.32.2 has no ResourceNotFound code
 * and answers an unknown URI with InvalidParams itself, so we do the same: one code for both.
 */
export function resourceNotFound(uri: string, message: string): McpError {
  return new McpError(ErrorCode.InvalidParams, `Resource ${uri} not found: ${message}`, { uri, code: 'TASK_NOT_FOUND' });
}

/** Runs a read, turning our TASK_NOT_FOUND into the protocol's not-found error. */
async function orNotFound<T>(uri: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (isOrchestrateError(error) && error.code === 'TASK_NOT_FOUND') throw resourceNotFound(uri, error.message);
    throw error;
  }
}

export async function readTasks(engine: Engine) {
  const { items, total } = await engine.list({ limit: TASKS_RESOURCE_LIMIT, offset: 0 });
  return { tasks: items, total, limit: TASKS_RESOURCE_LIMIT };
}

/** The full TaskView: every step, outputs uncapped. */
export function readTask(engine: Engine, uri: string, taskId: string): Promise<TaskView> {
  return orNotFound(uri, () => engine.view(taskId, { full: true }));
}

/**
 * The audit log, the phase history (`task_states`) and the attempts of each step of a task, oldest first. Each entry shows its
 * place in the task's hash chain (seq, prevHash, hash); `chain` says whether the chain is intact
 * and, if not, where it breaks.
 */
export async function readAudit(engine: Engine, uri: string, taskId: string) {
  const { phases, attempts, entries, chain } = await orNotFound(uri, () => engine.audit(taskId));
  return { taskId, phases, attempts, chain, entries };
}

/** Today's (UTC) spend against the per-day budgets, with the limits of both scopes; absent limits are unlimited. */
export function readBudgets(engine: Engine) {
  return engine.budgetReport();
}

export function readActions(engine: Engine) {
  return engine.actions();
}

/** Ids of the newest tasks, for the template's resource list and taskId completion. */
export async function recentTasks(engine: Engine) {
  return (await engine.list({ limit: TASKS_RESOURCE_LIMIT, offset: 0 })).items;
}
