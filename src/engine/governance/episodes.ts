import { errorMessage } from '../../errors.js';
import type { Step, Task } from '../model.js';
import type { TaskStore } from '../ports.js';
import type { Episode, EpisodeMemory, EpisodeStep } from './ports.js';
import type { Logger } from 'pino';

/** How many past tasks a planning prompt is shown at most (the prompt also caps their size). */
export const RECALLED_EPISODES = 3;
const CAPS = { request: 1_000, description: 200, error: 300, steps: 20 } as const;

interface MemoryDeps {
  memory?: EpisodeMemory;
  logger: Logger;
}

/** The past tasks most like a request; none when memory is off or cannot be read. */
export async function recallEpisodes(deps: MemoryDeps, request: string): Promise<Episode[]> {
  if (!deps.memory) return [];
  try {
    return await deps.memory.recall(request, RECALLED_EPISODES);
  } catch (error) {
    deps.logger.warn({ err: errorMessage(error) }, 'could not recall past tasks');
    return [];
  }
}

/**
 * A finished task as memory keeps it. Steps a replan added are told apart by the task's `replanned`
 * audit entries; those that completed after a failure are what recovered it.
 */
export async function episodeOf(task: Task, store: Pick<TaskStore, 'auditOfKind'>, endedAt: string): Promise<Episode> {
  const replans = await store.auditOfKind(task.id, 'replanned');
  const added = new Set(replans.flatMap((entry) => strings(entry.details?.['added'])));
  const stateOf = (step: Step) => task.runs.get(step.id);
  const failed = task.steps.filter((step) => stateOf(step)?.state === 'failed');
  const recovered = failed.length > 0 ? task.steps.filter((step) => added.has(step.id) && stateOf(step)?.state === 'completed') : [];
  const agents = new Set(task.steps.map((step) => agentOf(stateOf(step)?.outputs?.data)).filter((a): a is string => a !== undefined));
  const skipped = task.steps.map((step) => stateOf(step)).find((run) => run?.state === 'skipped' && run.reason)?.reason;
  const outcome = task.phase === 'completed' ? 'completed' : 'failed';
  return {
    taskId: task.id,
    request: clip(task.request, CAPS.request),
    outcome,
    endedAt: task.completedAt ?? endedAt,
    plan: task.steps
      .filter((step) => !added.has(step.id))
      .slice(0, CAPS.steps)
      .map((step) => shown(step)),
    failures: failed.slice(0, CAPS.steps).map((step) => shown(step, stateOf(step)?.error)),
    recoveredBy: recovered.slice(0, CAPS.steps).map((step) => shown(step)),
    agents: [...agents],
    ...(outcome === 'failed' && failed.length === 0 && skipped ? { note: clip(skipped, CAPS.error) } : {}),
  };
}

function shown(step: Step, error?: string): EpisodeStep {
  return {
    action: step.action,
    description: clip(step.description, CAPS.description),
    ...(error ? { error: clip(error, CAPS.error) } : {}),
  };
}

/** The coding agent a step's output names (`data.agent`), if any. */
function agentOf(data: unknown): string | undefined {
  const agent = data && typeof data === 'object' ? (data as { agent?: unknown }).agent : undefined;
  return typeof agent === 'string' && agent !== '' ? agent : undefined;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
