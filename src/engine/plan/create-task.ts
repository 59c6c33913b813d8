import { randomUUID } from 'node:crypto';
import { TaskGraph } from '../graph.js';
import type { Actor, Task, TaskContext } from '../model.js';
import type { RunDeps } from '../run/deps.js';
import { formatPlanForApproval } from '../views/summarize.js';
import { finalizeDrafts } from './finalize.js';
import { computePlanHash } from './plan-hash.js';
import { withTierFloor } from './tier-floor.js';
import type { PlannedDraft } from './types.js';

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
export async function createTask(
  deps: Pick<RunDeps, 'writer' | 'masker' | 'budgets' | 'catalogue'>,
  rawRequest: string,
  context: TaskContext,
  origin: Task['origin'],
  drafts: PlannedDraft[],
): Promise<PlannedTask> {
  // A secret pasted into a request is not kept, shown or sent to the LLM again.
  const request = deps.masker.mask(rawRequest);
  let n = 0;
  const steps = finalizeDrafts(withTierFloor(drafts), () => `s${(n += 1)}`);
  const graph = TaskGraph.from(steps);
  await deps.budgets.checkPlan(steps, deps.catalogue);
  const task: Task = {
    id: randomUUID(),
    request,
    phase: 'planning',
    planHash: computePlanHash(request, steps, context.workdir),
    createdAt: deps.writer.now(),
    replanAttempts: 0,
    origin,
    context,
    steps,
    runs: new Map(steps.map((s) => [s.id, { state: 'pending' }])),
    version: 0,
  };
  const planText = formatPlanForApproval(task, graph);
  // The sampled plan was written by the client's LLM; a host-written one by the calling model.
  const actor: Actor = 'model';
  await deps.writer.create(task, [
    {
      actor,
      kind: 'plan_created',
      source: 'orchestrator',
      request,
      decision: 'decomposed into task plan',
      action: deps.masker.mask(planText),
      tier: 'read',
      outcome: 'success',
      details: { planHash: task.planHash, origin, steps: steps.length, workdir: context.workdir ?? null },
    },
  ]);
  return { task, graph, planText };
}
