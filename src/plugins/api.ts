/**
 * The public plugin API of orchestrate-mcp: the only module an action plugin imports from us.
 *
 * An action plugin is a file whose default export is a plain object:
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { definePlugin } from 'orchestrate-mcp/plugin-api';
 *
 * export default definePlugin({
 *   apiVersion: 1,
 *   name: 'word_count',
 *   description: 'Counts the words of a text.',
 *   tier: 'read',
 *   input: z.object({ text: z.string().describe('The text to count') }),
 *   async run(input) {
 *     const words = input.text.split(/\s+/).filter(Boolean).length;
 *     return { summary: `${words} words`, data: { words } };
 *   },
 * });
 * ```
 *
 * Semantic versioning applies to this module: `apiVersion` changes only when a plugin written for
 * the old version could break.
 */
import type { z } from 'zod';

export { parseCommand, CommandParseError } from './command.js';
export type { ParsedCommand } from './command.js';
export { findForbidden } from './forbidden.js';
export type { ForbiddenMatch } from './forbidden.js';
export { firstLineSummary } from './text.js';

/** The plugin API version this server speaks. */
export const API_VERSION = 1;

/** Risk tiers, lowest first. Destructive and external steps need a human's confirmation. */
export type Tier = 'read' | 'write' | 'execute' | 'destructive' | 'external';

/** What a step's action returns. Throw an `Error` instead to fail the step. */
export interface ActionResult {
  /** One line for humans; shown in status and the final report. */
  summary: string;
  stdout?: string;
  stderr?: string;
  exitCode?: number | null;
  /** Paths or URLs the step produced. */
  artifacts?: string[];
  /** Structured output, passed to dependent steps in `ctx.deps`. */
  data?: unknown;
  /** True when stdout or stderr were cut (e.g. `ExecResult.truncated`). */
  truncated?: boolean;
}

/**
 * Thrown by a plugin to fail its step while keeping what the step produced: a failing test run's
 * stdout and stderr stay in the step's outputs, the report and the replan prompt.
 *
 * @example
 * ```ts
 * if (result.exitCode !== 0) {
 *   throw new ActionError(`npm test failed (exit ${result.exitCode})`, { result });
 * }
 * ```
 */
export class ActionError extends Error {
  /** What the step produced before it failed (stdout, stderr, exitCode, data, artifacts, truncated). */
  readonly result: Partial<Omit<ActionResult, 'summary'>>;
  /** True when trying the same step again may succeed (a timeout, a network error). */
  readonly retryable: boolean;

  constructor(message: string, options: { result?: Partial<Omit<ActionResult, 'summary'>>; retryable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ActionError';
    this.result = options.result ?? {};
    this.retryable = options.retryable ?? false;
  }
}

/** The output of a completed step this step depends on. */
export interface DependencyOutput {
  stepId: string;
  action: string;
  description: string;
  summary: string;
  stdout: string;
  data: unknown;
  artifacts: string[];
}

export interface LlmMessage {
  role: 'user' | 'assistant';
  content: string;
}

/** The client's LLM, reached by MCP sampling. */
export interface LlmAccess {
  /** False when the connected client cannot sample; `complete` then throws. */
  readonly available: boolean;
  complete(request: { system?: string; messages: LlmMessage[]; maxTokens?: number }, options?: { signal?: AbortSignal }): Promise<string>;
}

/** A command run by `ctx.exec`. */
export interface ExecRequest {
  /** `argv`: parsed with {@link parseCommand} and run without a shell; `shell`: run by `sh -c`. */
  mode: 'argv' | 'shell';
  command: string;
  /**
   * argv mode only: run exactly these arguments instead of parsing `command` (which is then only a
   * label). Meant for argument lists a plugin builds from its own config, such as an agent CLI
   * template: the exec allowlist, which guards commands written by planners, does not apply;
   * forbidden binaries still do.
   */
  argv?: readonly string[];
  cwd?: string;
  timeoutMs?: number;
  /**
   * Variables added to the command's environment. Commands start from a minimal environment
   * (PATH, HOME, USER, LANG, TERM, TMPDIR and the operator's `exec.envPassthrough`), never the
   * server's own.
   */
  env?: Record<string, string>;
  /** Names of server environment variables this command may see (e.g. an agent's API key from its config). */
  inheritEnv?: readonly string[];
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** True when output went past the cap and was cut. */
  truncated: boolean;
  /** For argv commands ending in `> path` / `>> path`: where stdout was written. */
  redirectedTo?: string;
}

/** Why the sandbox refused or stopped a command. */
export type ExecErrorKind = 'forbidden' | 'not_allowed' | 'path' | 'timeout' | 'launch' | 'redirect';

/** Thrown by `ctx.exec` when a command is refused or cannot finish; the message is ready for humans. */
export class ExecError extends Error {
  readonly kind: ExecErrorKind;

  constructor(kind: ExecErrorKind, message: string) {
    super(message);
    this.name = 'ExecError';
    this.kind = kind;
  }
}

/**
 * Runs commands in the server's sandbox: allowlist, forbidden binaries, allowed working
 * directories, timeout, output caps, and the whole process group killed on timeout or cancel.
 * Rejects with an {@link ExecError} whose message is ready to show a human; a non-zero exit is not
 * an error (look at `exitCode`).
 */
export type Exec = (request: ExecRequest) => Promise<ExecResult>;

export interface PluginLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** What is left of each of the task's budgets (the tighter of its own and today's); undefined is unlimited. */
export interface BudgetLeft {
  tokens?: number;
  wallSeconds?: number;
  delegations?: number;
}

/** The task's budgets (config `budgets`). Sampling through `ctx.llm` is counted already. */
export interface BudgetAccess {
  remaining(): BudgetLeft;
  /**
   * Reports use the server cannot see: `tokens` of models the plugin calls itself (always counted;
   * rejects when that passes a token budget), `delegations` before the run they pay for (refused,
   * and not counted, when none is left). A rejection is an Error with `code` "BUDGET_EXCEEDED";
   * the task then stops starting new steps.
   */
  spend(use: { tokens?: number; delegations?: number }): Promise<void>;
}

/** A coding agent steps may delegate to: configured under `plugins.implement.agents`, or found on PATH. */
export interface AgentInfo {
  name: string;
  /** The executable it runs. */
  command: string;
  aliases: string[];
  /** The agent "default" picks. */
  default: boolean;
  source: 'configured' | 'discovered';
}

/** The coding agents of this server, the way the built-in `implement` action uses them. */
export interface AgentAccess {
  list(): AgentInfo[];
  /**
   * Runs a coding agent on `spec` in the task's working directory: `agent` (a name, an alias, or
   * "default"), then `plugins.implement.fallbacks` when it fails to launch, exits non-zero or times
   * out. Each agent run counts as one delegation. Resolves with the agent's result (`artifacts`: the
   * files it created or changed; `data.agent`: who did it); rejects when no agent succeeded.
   */
  delegate(spec: string, options?: { agent?: string; signal?: AbortSignal }): Promise<ActionResult>;
}

/** A plugin's one door into the server. */
export interface ActionContext {
  taskId: string;
  stepId: string;
  /** The step's description, as the plan shows it. */
  description: string;
  /** Aborted when the task is cancelled or the step times out. Pass it on to whatever you await. */
  signal: AbortSignal;
  logger: PluginLogger;
  llm: LlmAccess;
  exec: Exec;
  /** The working directory of the task. */
  workdir: string;
  /** This plugin's options from the server config. */
  options: Readonly<Record<string, unknown>>;
  /** Outputs of the completed steps this step depends on, by step id. */
  deps: Readonly<Record<string, DependencyOutput>>;
  /** Sends a message to the task's client (an MCP log notification). Resolves false when nobody got it. */
  notify(message: string, level?: 'info' | 'warning' | 'error'): Promise<boolean>;
  /** Reports progress of a long step. */
  progress(message: string): void;
  budget: BudgetAccess;
  agents: AgentAccess;
  /** Which attempt this is (1, 2, …): a step with a retry policy runs again after a retryable failure, and counts on across restarts. */
  attempt: number;
  /**
   * Stable for this task and step across attempts and restarts: send it with external calls (as an
   * `Idempotency-Key` header, say) so that repeating the step does not repeat their effect.
   */
  idempotencyKey: string;
}

/** Plan-time view of the server, for `check`. */
export interface CheckContext {
  options: Readonly<Record<string, unknown>>;
  /** The binaries `execute`/`test` steps may run; undefined when any is allowed. */
  allowlist?: readonly string[];
  /** The binaries no step may run (`exec.forbidden`); check command lines with {@link findForbidden}. */
  forbidden?: readonly string[];
}

/** A JSON Schema for a plugin's input, for plugins written without zod. */
export interface JsonSchemaInput {
  type: 'object';
  properties?: Record<string, unknown>;
  required?: string[];
  [keyword: string]: unknown;
}

/**
 * What planners (the client's LLM, or the calling model) are told about an action, and how their
 * plans are read. Everything is optional.
 */
export interface PlannerMetadata {
  /** Rules for using this action, added to the decomposition prompt ("Put \"notify\" last, …"). */
  hints?: string[];
  /** Rules added to the repair prompt a failed step's replan uses. */
  repairHints?: string[];
  /**
   * Its steps work on what the step before them produced: in a plan read leniently, such a step
   * written without dependencies depends on the step before it.
   */
  consumesPriorOutput?: boolean;
  /**
   * Steps a planner writes without any action become steps of this action, with their description
   * in this input field (the built-in `plan` action takes them as notes). At most one action sets it.
   */
  untypedStepField?: string;
  /** Other names planners give this action's input fields, e.g. `{ spec: 'output' }`. */
  fieldAliases?: Record<string, string>;
  /**
   * What one step of this action spends when its planner gives no `estimated_tokens`: LLM tokens,
   * coding-agent delegations. A plan whose estimate does not fit a budget is refused at plan time.
   */
  estimate?: { tokens?: number; delegations?: number };
  /**
   * Lines planners need that depend on the server's configuration (e.g. the agents a step may
   * name), added to the decomposition and repair prompts.
   */
  context?(ctx: CheckContext): string[];
}

/**
 * What repeating a step does, for resuming after a crash and for retries: `none` (pure: text, LLM
 * calls), `idempotent` (safe to repeat: reads, builds, tests), `side-effecting` (may act twice).
 */
export type Effects = 'none' | 'idempotent' | 'side-effecting';

/**
 * How a failed step is tried again: `attempts` in all (the first included), waiting
 * `backoffSeconds` before the second attempt, doubling (with jitter) up to `maxBackoffSeconds`.
 * Only failures marked retryable are tried again: timeouts, an unreachable client LLM, and
 * `ActionError`s thrown with `retryable: true`.
 */
export interface RetryPolicy {
  attempts: number;
  backoffSeconds?: number;
  maxBackoffSeconds?: number;
}

/** An action plugin. `name` becomes the step `action`. */
export interface ActionPlugin<Input = Record<string, unknown>> {
  apiVersion: 1;
  name: string;
  description: string;
  /** The default tier of its steps. */
  tier: Tier;
  /**
   * Schema of the step input: a zod object schema, or a JSON Schema object (validated with ajv;
   * `default` values are filled in). Planners see it as JSON Schema.
   */
  input: z.ZodType<Input> | JsonSchemaInput;
  /** Input field filled from the step description when a planner leaves it out. */
  fromDescription?: string;
  /** How planners use it; see {@link PlannerMetadata}. */
  planner?: PlannerMetadata;
  /**
   * What repeating a step does. A step that was running when the server stopped is re-run by
   * itself only when this is `none` or `idempotent`; a `side-effecting` one waits for a person to
   * say retry, done or fail. Default: `side-effecting` for tier write and above, else `idempotent`.
   */
  effects?: Effects;
  /** A step may declare itself safer to repeat than the plugin says (e.g. a read-only command). */
  effectsMayLower?: boolean;
  /** Default retry policy of its steps (config `plugins.<name>.retry` and the step's own override it). */
  retry?: RetryPolicy;
  /**
   * Schema of this plugin's options (`plugins.<name>` in the server config): zod or JSON Schema.
   * Checked at start-up, so a bad option stops the server (exit 2) naming the field.
   */
  options?: z.ZodType | JsonSchemaInput;
  /** Longest a step may run before it fails (ms). Default 300,000. */
  timeoutMs?: number;
  /**
   * The command lines a step of this action will run, if any: shown under the step in the plan a
   * human approves, and classified so that a deleting, history-rewriting or network command raises
   * the step's tier whatever the planner wrote.
   */
  commands?(input: Input): string[];
  /** Plan-time checks beyond the schema; each problem starts with the field name ("command: …"). */
  check?(input: Input, ctx: CheckContext): string[];
  run(input: Input, ctx: ActionContext): Promise<ActionResult>;
}

/** Identity helper that gives a plugin object its types. */
export function definePlugin<Input>(plugin: ActionPlugin<Input>): ActionPlugin<Input> {
  return plugin;
}
