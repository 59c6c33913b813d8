import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { APPROVAL_POLICIES } from './approval/policy.js';
import { DEFAULT_CONFIRMATION_TIMEOUTS, TIERS, type Tier } from './engine/model.js';
import { stepEnvironment } from './plugins/step-env.js';
import { inlineByEnv, pluginDirsOf, SERVE_OPTIONS } from './runner/serve-flags.js';
import { secretValuesOf } from './secrets.js';
import { isLoopbackHost } from './transports/loopback.js';

/**
 * The binaries `execute` and `test` steps may run unless the config says otherwise: build, test
 * and read-only tools. Deleting, network and privilege tools are left out; `["*"]` allows any.
 * `shell` steps are not bound by it (their binary is `sh`): their commands are shown in the plan a
 * human approves.
 */
export const DEFAULT_EXEC_ALLOWLIST = [
  'node',
  'npm',
  'npx',
  'pnpm',
  'yarn',
  'bun',
  'deno',
  'tsc',
  'vitest',
  'jest',
  'mocha',
  'eslint',
  'prettier',
  'git',
  'make',
  'cmake',
  'cargo',
  'rustc',
  'go',
  'python',
  'python3',
  'pytest',
  'ruby',
  'bundle',
  'java',
  'mvn',
  'gradle',
  'dotnet',
  'ls',
  'cat',
  'head',
  'tail',
  'wc',
  'grep',
  'find',
  'echo',
  'printf',
  'pwd',
  'date',
  'env',
  'true',
  'false',
  'test',
  'diff',
  'sort',
  'uniq',
  'cut',
  'tr',
  'sed',
  'awk',
  'jq',
  'mkdir',
  'touch',
  'cp',
  'mv',
  'sleep',
  'tar',
  'gzip',
  'which',
  'uname',
  'whoami',
] as const;

/** Limits of one budget scope; an absent limit is unlimited. */
const BudgetLimitsSchema = z.strictObject({
  tokens: z.int().min(0).max(1e12).optional().describe('LLM tokens (sampling, estimated at 4 characters a token, and what plugins report)'),
  wallSeconds: z.number().positive().max(31_536_000).optional().describe('Seconds tasks spend executing'),
  delegations: z.int().min(0).max(1e9).optional().describe('Coding-agent runs'),
});

/** The JSON config file (`--config`). Every field is optional. */
const FileConfigSchema = z.strictObject({
  maxParallel: z.int().min(1).max(256).default(4),
  /** Most steps running at once over all tasks of this server. */
  maxConcurrentSteps: z.int().min(1).max(1_024).default(8),
  /**
   * Values masked as *** in everything stored, logged, shown or sent to the LLM: a list of values,
   * or an object of names to values.
   */
  secrets: z.union([z.array(z.string()), z.record(z.string(), z.string())]).default([]),
  stepTimeoutSeconds: z.number().positive().max(86_400).default(300),
  exec: z
    .strictObject({
      allowlist: z.array(z.string().min(1)).default([...DEFAULT_EXEC_ALLOWLIST]),
      forbidden: z.array(z.string().min(1)).default(['dd', 'mkfs', 'shutdown', 'reboot']),
      /** Names of server environment variables steps may see, beyond the minimal environment. */
      envPassthrough: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')).default([]),
      allowedPaths: z.array(z.string().min(1)).optional(),
      timeoutSeconds: z.number().positive().max(86_400).default(300),
      maxOutputBytes: z
        .int()
        .min(1_024)
        .max(64 * 1024 * 1024)
        .default(1024 * 1024),
    })
    .prefault({}),
  approval: z
    .strictObject({
      autoApprove: z.array(z.enum(TIERS)).default([]),
      timeoutSeconds: z.partialRecord(z.enum(TIERS), z.number().positive().max(86_400)).default({}),
      policy: z.enum(APPROVAL_POLICIES).default('auto'),
      planTimeoutSeconds: z.number().positive().max(86_400).default(600),
    })
    .prefault({}),
  replan: z.strictObject({ hostTimeoutSeconds: z.number().positive().max(86_400).default(600) }).prefault({}),
  /** After a stop: how long a side-effecting step that was running waits for a person to say retry, done or fail. */
  resume: z
    .strictObject({
      decisionTimeoutSeconds: z
        .number()
        .positive()
        .max(30 * 86_400)
        .default(86_400),
      clientWaitSeconds: z
        .number()
        .positive()
        .max(30 * 86_400)
        .default(3_600),
    })
    .prefault({}),
  sampling: z
    .strictObject({
      timeoutSeconds: z.number().positive().max(86_400).default(600),
      maxTokens: z.int().min(64).max(200_000).default(4096),
    })
    .prefault({}),
  plugins: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
  http: z
    .strictObject({
      allowedOrigins: z
        .array(z.string().refine(isOrigin, 'must be an origin like "https://app.example.com" (scheme, host, optional port; no path)'))
        .default([]),
      allowedHosts: z.array(z.string().regex(/^[^\s/@]+$/, 'must be a host name, optionally with ":port"')).default([]),
      sessionIdleSeconds: z
        .number()
        .positive()
        .max(7 * 86_400)
        .default(1800),
    })
    .prefault({}),
  budgets: z.strictObject({ perTask: BudgetLimitsSchema.prefault({}), perDay: BudgetLimitsSchema.prefault({}) }).prefault({}),
  /** Episodic memory: finished tasks shown to planners of similar requests. */
  memory: z.strictObject({ enabled: z.boolean().default(true), maxEpisodes: z.int().min(1).max(100_000).default(500) }).prefault({}),
  /** stdio: the engine runs in a background runner per database (see src/runner/); false serves in-process. */
  runner: z
    .union([
      z.literal(false),
      z.strictObject({
        idleSeconds: z
          .number()
          .min(0)
          .max(7 * 86_400)
          .default(30),
      }),
    ])
    .default({ idleSeconds: 30 }),
});

function isOrigin(value: string): boolean {
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
}

const ms = z.number().min(0);
const names = z.array(z.string());
const limits = z.object({ tokens: z.number().optional(), wallSeconds: z.number().optional(), delegations: z.number().optional() });

/** The server's settings once flags, environment and the config file are read (times in ms). */
export const ConfigSchema = z.object({
  transport: z.enum(['stdio', 'http']),
  host: z.string(),
  port: z.int(),
  token: z.string().optional(),
  db: z.string(),
  pluginDirs: names,
  logLevel: z.string(),
  maxParallel: z.int(),
  maxConcurrentSteps: z.int(),
  /**
   * Every value masked as *** wherever it would appear: the values of secret-looking environment
   * variables, the bearer token and the config file's `secrets`.
   */
  secretValues: names,
  /** The server's environment as it started, for the variables a plugin asks to pass to one command. */
  environment: z.record(z.string(), z.string()),
  stepTimeoutMs: ms,
  exec: z.object({
    allowlist: names.optional(),
    forbidden: names,
    allowedPaths: names.optional(),
    envPassthrough: names,
    /** The environment every command starts from (see src/plugins/step-env.ts). */
    env: z.record(z.string(), z.string()),
    timeoutMs: ms,
    maxOutputBytes: z.int(),
  }),
  autoApproveTiers: z.array(z.enum(TIERS)),
  confirmationTimeoutsMs: z.record(z.enum(TIERS), ms),
  /** Who may approve plans and steps: see src/approval/policy.ts. */
  approvalPolicy: z.enum(APPROVAL_POLICIES),
  /** How long a plan-approval form waits for the human. */
  planApprovalTimeoutMs: ms,
  hostReplanTimeoutMs: ms,
  interruptedDecisionTimeoutMs: ms,
  clientWaitTimeoutMs: ms,
  samplingTimeoutMs: ms,
  samplingMaxTokens: z.int(),
  pluginOptions: z.record(z.string(), z.record(z.string(), z.unknown())),
  /** `--transport http` only: extra allowed Origin and Host headers, and when an idle session is closed. */
  http: z.object({ allowedOrigins: names, allowedHosts: names, sessionIdleMs: ms }),
  /**
   * stdio: false when the engine runs in this process (--inline, ORCHESTRATE_INLINE=1 or config
   * `runner: false`); otherwise how long the background runner lives with no client and no unfinished task.
   */
  runner: z.union([z.literal(false), z.object({ idleMs: ms })]),
  /** Per-task and per-day limits of tokens, wall time and coding-agent delegations. */
  budgets: z.object({ perTask: limits, perDay: limits }),
  memory: z.object({ enabled: z.boolean(), maxEpisodes: z.int() }),
});
export type Config = z.infer<typeof ConfigSchema>;

export type ConfigResult = { ok: true; config: Readonly<Config> } | { ok: false; problems: string[] };

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Parses argv, environment and the config file once; lists every problem instead of stopping at the first. */
export function loadConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ConfigResult {
  const problems: string[] = [];
  let values: Record<string, string | string[] | boolean | undefined> = {};
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: SERVE_OPTIONS,
    }).values;
  } catch (error) {
    problems.push(error instanceof Error ? error.message : String(error));
  }
  const pick = (flag: string, name: string): string | undefined => (values[flag] as string | undefined) ?? env[name];

  const transport = pick('transport', 'ORCHESTRATE_TRANSPORT') ?? 'stdio';
  if (transport !== 'stdio' && transport !== 'http') problems.push(`--transport must be stdio or http, not "${transport}"`);
  const portText = pick('port', 'ORCHESTRATE_PORT') ?? '3939';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) problems.push(`--port must be an integer 0–65535, not "${portText}"`);
  const logLevel = pick('log-level', 'ORCHESTRATE_LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`--log-level must be one of ${LOG_LEVELS.join(', ')}, not "${logLevel}"`);
  const db = databasePath(values.db as string | undefined, env);
  const pluginDirs = pluginDirsOf((values.plugins as string[] | undefined) ?? [], env);

  const bindHost = pick('host', 'ORCHESTRATE_HOST') ?? '127.0.0.1';
  if (transport === 'http' && !isLoopbackHost(bindHost) && !pick('token', 'ORCHESTRATE_TOKEN')) {
    problems.push(
      `--host ${bindHost} is not a loopback address: set --token (or ORCHESTRATE_TOKEN) so the server does not take unauthenticated requests from the network`,
    );
  }
  const file = readConfigFile(pick('config', 'ORCHESTRATE_CONFIG'), problems);
  if (problems.length > 0 || !file) return { ok: false, problems };
  const token = pick('token', 'ORCHESTRATE_TOKEN');
  return {
    ok: true,
    config: Object.freeze({
      transport: transport as Config['transport'],
      host: pick('host', 'ORCHESTRATE_HOST') ?? '127.0.0.1',
      port,
      ...(token ? { token } : {}),
      db,
      pluginDirs,
      logLevel,
      maxParallel: file.maxParallel,
      maxConcurrentSteps: file.maxConcurrentSteps,
      secretValues: [
        ...secretValuesOf(env),
        ...(token ? [token] : []),
        ...(Array.isArray(file.secrets) ? file.secrets : Object.values(file.secrets)),
      ],
      environment: Object.freeze(definedOnly(env)),
      stepTimeoutMs: file.stepTimeoutSeconds * 1000,
      exec: {
        ...(file.exec.allowlist.includes('*') ? {} : { allowlist: file.exec.allowlist }),
        forbidden: file.exec.forbidden,
        envPassthrough: file.exec.envPassthrough,
        env: stepEnvironment(env, file.exec.envPassthrough),
        ...(file.exec.allowedPaths ? { allowedPaths: file.exec.allowedPaths.map((p) => resolve(p)) } : {}),
        timeoutMs: file.exec.timeoutSeconds * 1000,
        maxOutputBytes: file.exec.maxOutputBytes,
      },
      autoApproveTiers: file.approval.autoApprove,
      confirmationTimeoutsMs: Object.fromEntries(
        TIERS.map((tier) => [tier, (file.approval.timeoutSeconds[tier] ?? DEFAULT_CONFIRMATION_TIMEOUTS[tier]) * 1000]),
      ) as Record<Tier, number>,
      approvalPolicy: file.approval.policy,
      planApprovalTimeoutMs: file.approval.planTimeoutSeconds * 1000,
      hostReplanTimeoutMs: file.replan.hostTimeoutSeconds * 1000,
      interruptedDecisionTimeoutMs: file.resume.decisionTimeoutSeconds * 1000,
      clientWaitTimeoutMs: file.resume.clientWaitSeconds * 1000,
      samplingTimeoutMs: file.sampling.timeoutSeconds * 1000,
      samplingMaxTokens: file.sampling.maxTokens,
      pluginOptions: file.plugins,
      http: {
        allowedOrigins: file.http.allowedOrigins,
        allowedHosts: file.http.allowedHosts,
        sessionIdleMs: file.http.sessionIdleSeconds * 1000,
      },
      runner: values.inline === true || inlineByEnv(env) || file.runner === false ? false : { idleMs: file.runner.idleSeconds * 1000 },
      budgets: file.budgets,
      memory: file.memory,
    }),
  };
}

/**
 * The state database the server uses, absolute: `--db`, else ORCHESTRATE_DB, else
 * $XDG_STATE_HOME/orchestrate-mcp/state.db (XDG default ~/.local/state); relative paths against
 * `cwd` (the process's by default). Subcommands working on the database resolve it the same way.
 */
export function databasePath(flag: string | undefined, env: Readonly<Record<string, string | undefined>>, cwd?: string): string {
  const stateHome = env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  const db = flag ?? env.ORCHESTRATE_DB ?? join(stateHome, 'orchestrate-mcp', 'state.db');
  if (db === ':memory:') return db;
  return cwd === undefined ? resolve(db) : resolve(cwd, db);
}

function definedOnly(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

function readConfigFile(path: string | undefined, problems: string[]): z.infer<typeof FileConfigSchema> | undefined {
  let raw: unknown = {};
  if (path !== undefined) {
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      problems.push(`--config ${path}: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }
  const parsed = FileConfigSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`config ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    return undefined;
  }
  return parsed.data;
}
