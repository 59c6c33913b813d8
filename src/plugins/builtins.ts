import execute from '../../plugins/execute.js';
import implement from '../../plugins/implement.js';
import notify from '../../plugins/notify.js';
import plan from '../../plugins/plan.js';
import research from '../../plugins/research.js';
import review from '../../plugins/review.js';
import shell from '../../plugins/shell.js';
import test from '../../plugins/test.js';
import type { ActionPlugin } from './api.js';

/** The actions that ship with the server, in catalogue order. */
export function builtinPlugins(): ActionPlugin<unknown>[] {
  return [research, plan, implement, shell, execute, test, review, notify] as ActionPlugin<unknown>[];
}
