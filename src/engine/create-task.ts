import { randomUUID } from 'node:crypto';
import type { EngineContext } from './context.js';
import { finalizeDrafts } from './decompose/finalize.js';
import { withTierFloor } from './decompose/tier-floor.js';
import type { PlannedDraft } from './decompose/types.js';
import { TaskGraph } from './graph.js';
import type { Task, TaskContext } from './model.js';
import { computePlanHash } from './plan-hash.js';
import { formatPlanForApproval } from './summarize.js';

export interface PlannedTask {
  task: Task;
  graph: TaskGraph;
  planText: string;
}

/**
 * Stores a validated plan as a new task awaiting approval: steps numbered s1, s2, … in plan order,
 * the graph checked, the phase rows (planning, awaiting_approval) and the plan's audit entry
 * written in one transaction. Nothing is stored when the graph is invalid.
 */
export function createTask(
  ctx: EngineContext,
  rawRequest: string,
  context: TaskContext,
  origin: Task['origin'],
  drafts: PlannedDraft[],
): PlannedTask {
  // A secret pasted into a request is not kept, shown or sent to the LLM again.
  const request = ctx.masker.mask(rawRequest);
  let n = 0;
  const steps = finalizeDrafts(withTierFloor(drafts), () => `s${(n += 1)}`);
  const graph = TaskGraph.from(steps);
  const at = ctx.recorder.now();
  const task: Task = {
    id: randomUUID(),
    request,
    phase: 'planning',
    planHash: computePlanHash(request, steps, context.workdir),
    createdAt: at,
    replanAttempts: 0,
    origin,
    context,
    steps,
    runs: new Map(steps.map((s) => [s.id, { state: 'pending' }])),
    version: 0,
  };
  const planText = formatPlanForApproval(task, graph);
  ctx.store.transaction(() => {
    ctx.store.createTask(task, ['planning'], at);
    ctx.recorder.emit('phase', { taskId: task.id, from: 'none', to: 'planning', at });
    ctx.recorder.transitionPhase(task, 'awaiting_approval');
    ctx.store.appendAudit({
      taskId: task.id,
      ts: at,
      source: 'orchestrator',
      request,
      decision: 'decomposed into task plan',
      action: ctx.masker.mask(planText),
      tier: 'read',
      outcome: 'success',
    });
  });
  return { task, graph, planText };
}
