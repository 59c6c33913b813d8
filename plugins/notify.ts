import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { ActionError, definePlugin, type ActionContext } from '../src/plugins/api.js';

/** The built-in channel: an MCP log notification to the task's client. */
const MCP = 'mcp';

const webhookSchema = z.object({
  type: z.literal('webhook'),
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  headers: z.record(z.string(), z.string()).default({}),
  timeoutSeconds: z.number().positive().default(10),
  retries: z.number().int().min(0).max(10).default(2),
  /** Backoff before the first retry; it doubles for each further one. */
  retryDelayMs: z.number().int().min(0).default(200),
});

const channelSchema = z.discriminatedUnion('type', [
  webhookSchema,
  z.object({ type: z.literal('file'), path: z.string().min(1) }),
  z.object({ type: z.literal('command'), command: z.array(z.string()).min(1) }),
]);

/** `plugins.notify` in the server config. */
const optionsSchema = z
  .object({
    /** The channel a step gets when it asks for "default"; "mcp" when absent. */
    default: z.string().min(1).optional(),
    channels: z.record(z.string(), channelSchema).default({}),
  })
  .refine((options) => !(MCP in options.channels) && !('default' in options.channels), {
    path: ['channels'],
    message: '"mcp" and "default" are reserved channel names',
  });

type Options = z.infer<typeof optionsSchema>;
type Channel = z.infer<typeof channelSchema>;
type Webhook = z.infer<typeof webhookSchema>;
type Level = 'info' | 'warning' | 'error';

interface Note {
  taskId: string;
  stepId: string;
  channel: string;
  message: string;
  level?: Level;
  sentAt: string;
}

/** Tells the user something: through the MCP client, a webhook, a file or a command; else in the final report. */
export default definePlugin({
  apiVersion: 1,
  name: 'notify',
  description:
    'Tells the user a result or a blocker. Channel "default" uses the server\'s default channel, "mcp" sends it to the MCP client; ' +
    'other names are channels the operator configured (webhook POST, file, command). Put it last.',
  tier: 'read',
  fromDescription: 'message',
  effects: 'side-effecting',
  options: optionsSchema,
  planner: {
    hints: [
      'Put "notify" last, depending on the steps whose results it reports.',
      'If a tool is missing, return a single "notify" step that asks the user to install it.',
    ],
    repairHints: [
      'If what is needed cannot be done here, return a single "notify" step that explains the blocker.',
      'Notify only about real results or blockers.',
    ],
    consumesPriorOutput: true,
  },
  input: z.object({
    channel: z.string().default('default').describe('Where to send it: "default", "mcp", or a configured channel name'),
    message: z.string().min(1).describe('What to tell the user'),
    level: z.enum(['info', 'warning', 'error']).optional().describe('How urgent it is; "info" when left out'),
  }),
  check(input, ctx) {
    const parsed = optionsSchema.safeParse(ctx.options);
    if (!parsed.success) return []; // the step reports broken options when it runs
    const options = parsed.data;
    const name = channelName(input.channel, options);
    if (name === MCP || options.channels[name]) return [];
    const known = [MCP, ...Object.keys(options.channels).sort()].join(', ');
    if (isDefault(input.channel)) {
      return [
        `channel: "default" means channel "${name}" (plugins.notify.default), which is not configured. Configured channels: ${known}. Name one of them.`,
      ];
    }
    // With no channels configured every name falls back to the report at run time, as the seed did.
    if (Object.keys(options.channels).length === 0) return [];
    return [`channel: unknown channel "${name}". Configured channels: ${known}.`];
  },
  async run(input, ctx) {
    const options = parseOptions(ctx.options);
    const name = channelName(input.channel, options);
    const note: Note = {
      taskId: ctx.taskId,
      stepId: ctx.stepId,
      channel: name,
      message: input.message,
      ...(input.level ? { level: input.level } : {}),
      sentAt: new Date().toISOString(),
    };
    const how = await deliver(name, options.channels[name], note, ctx);
    if (how === undefined) {
      // Nothing could deliver: not a failure. The message rides in the task report, and a replan
      // must not chase more notify steps.
      return { summary: `Notify (no external channel — included in this report): ${input.message}`, stdout: input.message };
    }
    return { summary: `Notified via ${name}: ${input.message}`, stdout: `Delivered via ${name} (${how})`, data: { channel: name } };
  },
});

function parseOptions(raw: Readonly<Record<string, unknown>>): Options {
  const parsed = optionsSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${['plugins.notify', ...issue.path].join('.')}: ${issue.message}`);
  throw new Error(`The notify plugin's options are invalid: ${problems.join('; ')}`);
}

function isDefault(requested: string): boolean {
  const name = requested.trim();
  return name === '' || name === 'default';
}

function channelName(requested: string, options: Options): string {
  return isDefault(requested) ? (options.default ?? MCP) : requested.trim();
}

/** How the note was delivered, or undefined when no channel could take it. Throws on a failed delivery. */
async function deliver(name: string, channel: Channel | undefined, note: Note, ctx: ActionContext): Promise<string | undefined> {
  if (name === MCP) return (await ctx.notify(note.message, note.level ?? 'info')) ? 'client log notification' : undefined;
  if (!channel) return undefined;
  try {
    if (channel.type === 'webhook') return await postWebhook(channel, note, ctx.signal, ctx.idempotencyKey);
    if (channel.type === 'file') return await appendLine(resolve(ctx.workdir, channel.path), note);
    return await runCommand(name, channel.command, note.message, ctx);
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    // A webhook that timed out or answered 5xx may take the note on the step's next attempt.
    const retryable = error instanceof DeliveryError && error.retryable;
    throw new ActionError(`Notify delivery failed: ${name}: ${reasonOf(error)}`, { cause: error, retryable });
  }
}

type Attempt = { ok: true; status: number } | { ok: false; retryable: boolean; reason: string };

class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/**
 * POSTs the note, trying again on 5xx and network errors. Every try of every attempt of the step
 * carries the same `Idempotency-Key` (the step's key), so a receiver can drop repeats.
 */
async function postWebhook(hook: Webhook, note: Note, signal: AbortSignal, idempotencyKey: string): Promise<string> {
  let last: Attempt = { ok: false, retryable: false, reason: 'not attempted' };
  let attempts = 0;
  while (attempts <= hook.retries) {
    if (attempts > 0) await delay(hook.retryDelayMs * 2 ** (attempts - 1), undefined, { signal });
    attempts += 1;
    last = await postOnce(hook, JSON.stringify(note), signal, idempotencyKey);
    if (last.ok) return `HTTP ${last.status}`;
    if (!last.retryable) break;
  }
  const reason = last.ok ? '' : last.reason;
  throw new DeliveryError(attempts > 1 ? `${reason} (gave up after ${attempts} attempts)` : reason, !last.ok && last.retryable);
}

/** One POST; 5xx, network errors and timeouts are worth another try, 4xx is not. */
async function postOnce(hook: Webhook, body: string, signal: AbortSignal, idempotencyKey: string): Promise<Attempt> {
  const timeout = AbortSignal.timeout(hook.timeoutSeconds * 1000);
  try {
    const response = await fetch(hook.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey, ...hook.headers },
      body,
      signal: AbortSignal.any([signal, timeout]),
    });
    await response.body?.cancel();
    if (response.ok) return { ok: true, status: response.status };
    const reason = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    return { ok: false, retryable: response.status >= 500, reason };
  } catch (error) {
    if (signal.aborted) throw error;
    const reason = timeout.aborted ? `no answer within ${hook.timeoutSeconds} s` : reasonOf(error);
    return { ok: false, retryable: true, reason };
  }
}

async function appendLine(path: string, note: Note): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  await appendFile(path, `${JSON.stringify(note)}\n`);
  return `appended to ${path}`;
}

async function runCommand(name: string, template: readonly string[], message: string, ctx: ActionContext): Promise<string> {
  const argv = template.map((arg) => arg.replaceAll('{message}', message));
  const result = await ctx.exec({ mode: 'argv', command: `${name} notify`, argv });
  if (result.exitCode === 0) return 'exit 0';
  const tail = result.stderr.trim().split('\n').slice(-5).join('\n');
  throw new Error(`\`${argv[0]}\` exited with code ${result.exitCode}${tail ? `: ${tail}` : ''}`);
}

/** Fetch hides the useful part ("ECONNREFUSED …") in `cause`. */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  return cause instanceof Error && cause.message ? `${error.message}: ${cause.message}` : error.message;
}
