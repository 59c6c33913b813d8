/**
 * Delegating a coding task: the chosen agent, then the fallbacks, each run in the sandbox with
 * its argument template filled in. Shared by the implement action and `ctx.agents.delegate`.
 */
import { ExecError, firstLineSummary, type ActionResult, type Exec } from '../../src/plugins/api.js';
import { agentOptionsSchema, choose, lookup, NO_AGENTS, rosterOf, type AgentOptions, type Roster } from './agent-roster.js';
import { changedSince, snapshot } from './workdir-snapshot.js';

/** What a delegation needs of its step. */
export interface ChainStep {
  exec: Exec;
  workdir: string;
  signal: AbortSignal;
  progress(message: string): void;
  /** Called before each agent run (it counts a delegation); a rejection stops the chain. */
  beforeRun(agent: string): Promise<void>;
}

interface Attempt {
  result?: ActionResult;
  error?: string;
  /** Another agent might succeed where this one failed. */
  retryable?: boolean;
}

/** Runs `spec` through the requested agent and the fallbacks; the result names who did it and lists changed files. */
export async function delegateChain(spec: string, requested: string, rawOptions: unknown, step: ChainStep): Promise<ActionResult> {
  const parsed = agentOptionsSchema.safeParse(rawOptions ?? {});
  if (!parsed.success)
    throw new Error(`The implement plugin's options are invalid: ${parsed.error.issues[0]?.message ?? 'unknown problem'}`);
  const options = parsed.data;
  const roster = rosterOf(options);
  if (roster.size === 0) throw new Error(NO_AGENTS);
  const choice = choose(roster, options, requested);
  if (choice.name === undefined) throw new Error(choice.runError);
  const primary = choice.name;
  // Counted before the snapshot: counting writes the state database, which may live in the workdir.
  step.signal.throwIfAborted();
  await step.beforeRun(primary);
  const before = snapshot(step.workdir);
  const finish = (result: ActionResult, summary: string): ActionResult => {
    const artifacts = changedSince(before, step.workdir);
    return { ...result, summary, ...(artifacts.length > 0 ? { artifacts } : {}) };
  };

  const first = await attempt(primary, roster, options, spec, { ...step, beforeRun: async () => {} });
  if (first.result) return finish(first.result, `${primary}: ${first.result.summary}`);
  if (!first.retryable) throw new Error(`delegate '${primary}' failed: ${first.error}`);
  for (const fallback of options.fallbacks.map((f) => lookup(roster, f))) {
    if (fallback === undefined || fallback === primary) continue;
    const next = await attempt(fallback, roster, options, spec, step);
    if (next.result) return finish(next.result, `${primary} failed; recovered via ${fallback}: ${next.result.summary}`);
  }
  throw new Error(`delegate '${primary}' failed: ${first.error}; no fallback recovered`);
}

async function attempt(name: string, roster: Roster, options: AgentOptions, spec: string, step: ChainStep): Promise<Attempt> {
  // A cancelled step would only start the next agent for the sandbox to kill at once.
  step.signal.throwIfAborted();
  await step.beforeRun(name);
  const agent = roster.get(name);
  if (!agent) return { error: `agent '${name}' is not registered` };
  const argv = [agent.command, ...agent.args.map((arg) => arg.replaceAll('{spec}', spec).replaceAll('{workdir}', step.workdir))];
  step.progress(`delegating to ${name}`);
  try {
    const result = await step.exec({
      mode: 'argv',
      command: `${name} agent`,
      argv,
      timeoutMs: agent.timeoutSeconds * 1000,
      ...(agent.env ? { env: agent.env } : {}),
      ...(agent.envPassthrough ? { inheritEnv: agent.envPassthrough } : {}),
    });
    step.signal.throwIfAborted();
    if (result.exitCode !== 0) {
      const tail = result.stderr.trim().split('\n').slice(-5).join('\n');
      return { retryable: true, error: `exited with code ${result.exitCode}${tail ? `: ${tail}` : ''}` };
    }
    const summary = firstLineSummary(result.stdout) || 'finished';
    return { result: { summary, stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode, data: { agent: name } } };
  } catch (error) {
    if (step.signal.aborted) throw error;
    const kind = error instanceof ExecError ? error.kind : 'launch';
    const message = error instanceof Error ? error.message : String(error);
    return { retryable: kind === 'launch' || (kind === 'timeout' && options.retryOnTimeout), error: message };
  }
}
