import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { readBody } from './body.js';
import { capAudit, capListItem, capStep, capTask, WEB_CAPS } from './caps.js';
import { WebError } from './errors.js';
import type { EventStreams } from './events.js';
import { PHASES, STEP_DECISIONS, type Operator, type Phase } from './operator.js';
import { sendJson } from './respond.js';

/** The filters of the task list page, beside single phases. */
const PHASE_GROUPS: Readonly<Record<string, readonly Phase[] | undefined>> = {
  all: undefined,
  active: ['planning', 'executing', 'awaiting_replan', 'reconciling'],
};

const listQuery = z.object({
  phase: z.enum([...Object.keys(PHASE_GROUPS), ...PHASES]).default('all'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
const text = (max: number) => z.string().max(max).optional();
const approveBody = z.object({ planHash: text(200), comment: text(10_000) });
const rejectBody = z.object({ comment: text(10_000) });
const cancelBody = z.object({ reason: text(10_000) });
const stepBody = z.object({ decision: z.enum(STEP_DECISIONS) });

export interface ApiContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  operator: Operator;
  streams: EventStreams;
}

/** What a route answers: a value sent as JSON, or STREAMED when it wrote the response itself. */
const STREAMED = Symbol('streamed');
type Handler = (ctx: ApiContext, params: string[]) => Promise<unknown>;
const ID = '([^/]{1,200})';

const ROUTES: ReadonlyArray<{ method: 'GET' | 'POST'; path: RegExp; run: Handler }> = [
  { method: 'GET', path: /^\/api\/tasks$/, run: listTasks },
  { method: 'GET', path: new RegExp(`^/api/tasks/${ID}$`), run: async ({ operator }, [id = '']) => capTask(await operator.view(id)) },
  {
    method: 'GET',
    path: new RegExp(`^/api/tasks/${ID}/audit$`),
    run: async ({ operator }, [id = '']) => capAudit(await operator.audit(id)),
  },
  { method: 'GET', path: new RegExp(`^/api/tasks/${ID}/steps/${ID}$`), run: fullStep },
  { method: 'GET', path: /^\/api\/events$/, run: openEvents },
  {
    method: 'POST',
    path: new RegExp(`^/api/tasks/${ID}/approve$`),
    run: async ({ req, operator }, [id = '']) => operator.approve(id, await readBody(req, approveBody)),
  },
  {
    method: 'POST',
    path: new RegExp(`^/api/tasks/${ID}/reject$`),
    run: async ({ req, operator }, [id = '']) => operator.reject(id, (await readBody(req, rejectBody)).comment),
  },
  {
    method: 'POST',
    path: new RegExp(`^/api/tasks/${ID}/cancel$`),
    run: async ({ req, operator }, [id = '']) => operator.cancel(id, (await readBody(req, cancelBody)).reason),
  },
  {
    method: 'POST',
    path: new RegExp(`^/api/tasks/${ID}/steps/${ID}$`),
    run: async ({ req, operator }, [id = '', stepId = '']) => operator.answerStep(id, stepId, (await readBody(req, stepBody)).decision),
  },
];

/** Dispatches one `/api/...` request; a thrown error is answered by the caller. */
export async function handleApi(ctx: ApiContext): Promise<void> {
  const matching = ROUTES.map((route) => ({ route, match: route.path.exec(ctx.url.pathname) })).filter((m) => m.match);
  if (matching.length === 0) throw new WebError(404, 'ROUTE_NOT_FOUND', `No web API route ${ctx.url.pathname}.`);
  const found = matching.find((m) => m.route.method === ctx.req.method);
  if (!found?.match) {
    const allow = [...new Set(matching.map((m) => m.route.method))].join(', ');
    ctx.res.setHeader('Allow', allow);
    throw new WebError(405, 'METHOD_NOT_ALLOWED', `${ctx.req.method} is not allowed here; use ${allow}.`);
  }
  const params = found.match.slice(1).map((p) => decodeParam(p ?? ''));
  const value = await found.route.run(ctx, params);
  if (value !== STREAMED) sendJson(ctx.res, 200, value);
}

async function listTasks({ url, operator }: ApiContext): Promise<unknown> {
  const parsed = listQuery.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new WebError(400, 'INVALID_ARGUMENT', `Bad query: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  const { phase, limit, offset } = parsed.data;
  const phases = phase in PHASE_GROUPS ? PHASE_GROUPS[phase] : [phase as Phase];
  const page = await operator.list({ ...(phases ? { phases } : {}), limit, offset });
  return { items: page.items.map(capListItem), total: page.total, limit, offset, phase };
}

async function fullStep({ operator }: ApiContext, [id = '', stepId]: string[]): Promise<unknown> {
  const view = await operator.view(id);
  const step = view.steps.find((s) => s.id === stepId);
  if (!step) throw new WebError(404, 'STEP_NOT_FOUND', `Task ${id} has no step ${stepId}.`);
  return capStep(step, WEB_CAPS.fullOutput);
}

async function openEvents({ res, streams }: ApiContext): Promise<unknown> {
  if (streams.size >= streams.max) throw new WebError(503, 'TOO_MANY_STREAMS', `${streams.max} event streams are open already.`);
  streams.open(res);
  return STREAMED;
}

function decodeParam(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new WebError(400, 'INVALID_ARGUMENT', `Bad path segment: ${raw.slice(0, 50)}`);
  }
}
