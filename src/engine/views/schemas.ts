/**
 * The shapes a task is shown in, as zod schemas: the one source of the TaskView type and of the
 * tools' output schemas. Objects are loose, so a client written for today's fields keeps working
 * when fields are added.
 */
import { z } from 'zod';
import { INTERRUPTED_DECISIONS, PHASES, PLAN_ORIGINS, STEP_STATES, TaskCountsSchema, TIERS } from '../model.js';

export const StepShownSchema = z.looseObject({
  id: z.string().describe('Step id, unique within the task'),
  action: z.string().describe('Action (plugin) name'),
  description: z.string().describe('What the step does (capped at 1,000 chars in status)'),
  dependsOn: z.array(z.string()).describe('Ids of steps that must complete first'),
  tier: z.enum(TIERS).describe('Risk tier'),
  input: z
    .record(z.string(), z.unknown())
    .describe('Action input; in a capped view, input over 2,000 chars of JSON is { truncated: true, preview, bytes }'),
});

export const StepViewSchema = StepShownSchema.extend({
  state: z.enum(STEP_STATES).describe('Step state'),
  startedAt: z.string().optional().describe('ISO time the step started'),
  finishedAt: z.string().optional().describe('ISO time the step finished'),
  summary: z.string().optional().describe('One-line result (capped at 1,000 chars)'),
  error: z.string().optional().describe('Why the step failed (capped at 2,000 chars)'),
  reason: z
    .string()
    .optional()
    .describe('Why the step was skipped or cancelled, or "interrupted" when it waits for retry, done or fail (capped at 1,000 chars)'),
  attempt: z.number().optional().describe('The attempt running now, or the last one (1 for the first)'),
  attempts: z.number().optional().describe('How many attempts the step may take (its retry policy)'),
  retryAt: z.string().optional().describe('ISO time the next attempt starts, while a failed attempt waits out its backoff'),
  waitingFor: z.enum(['sampling']).optional().describe('The running step waits for a client that can serve it to connect'),
  outputs: z
    .looseObject({
      stdout: z.string(),
      stderr: z.string(),
      exitCode: z.number().nullable(),
      data: z.unknown().describe('Structured output; over 2,000 chars of JSON it is { truncated: true, preview, bytes }'),
      artifacts: z.array(z.string()).describe('Paths or URLs produced (the first 20)'),
      truncated: z.boolean().describe('Something here was cut; the task resource has it whole'),
    })
    .optional()
    .describe('What a finished step produced (stdout and stderr capped at 4 KiB each)'),
});
export type StepView = z.infer<typeof StepViewSchema>;

/**
 * What a task waits for: plan approval, a step confirmation, a decision on a step interrupted by a
 * stop of its server, a client that can serve a step (one that samples), or a host-written
 * corrective plan.
 */
export const AwaitingViewSchema = z.discriminatedUnion('kind', [
  z.looseObject({ kind: z.literal('plan_approval'), planHash: z.string(), hint: z.string() }),
  z.looseObject({
    kind: z.literal('step_confirmation'),
    stepId: z.string(),
    description: z.string(),
    tier: z.enum(TIERS),
    via: z.enum(['form', 'tool']),
    hint: z.string(),
  }),
  z.looseObject({
    kind: z.literal('step_interrupted'),
    stepId: z.string(),
    description: z.string(),
    tier: z.enum(TIERS),
    choices: z.array(z.enum(INTERRUPTED_DECISIONS)),
    hint: z.string(),
  }),
  z.looseObject({
    kind: z.literal('client'),
    stepId: z.string(),
    description: z.string(),
    needs: z.enum(['sampling']),
    hint: z.string(),
  }),
  z.looseObject({
    kind: z.literal('replan'),
    failedStepId: z.string(),
    failedStep: z.string(),
    error: z.string(),
    deadline: z.string(),
    prompt: z.string(),
    hint: z.string(),
  }),
]);
export type AwaitingView = z.infer<typeof AwaitingViewSchema>;

const BudgetAmountSchema = z.looseObject({
  spent: z.number().describe('Spent so far (tokens settled, wall seconds, delegations)'),
  limit: z.number().optional().describe('The limit; absent when unlimited'),
  left: z.number().optional().describe('What is left (tokens held by requests in flight count as spent)'),
});

const BudgetAmountsSchema = z.looseObject({
  tokens: BudgetAmountSchema,
  wallSeconds: BudgetAmountSchema,
  delegations: BudgetAmountSchema,
});
export type BudgetAmounts = z.infer<typeof BudgetAmountsSchema>;

export const BudgetViewSchema = z
  .looseObject({
    task: BudgetAmountsSchema.extend({ reservedTokens: z.number().describe('Tokens held by sampling requests in flight') }),
    day: BudgetAmountsSchema.extend({ date: z.string().describe('The UTC day per-day budgets count') }),
  })
  .describe("Spend against the task's budgets and today's (config budgets.perTask and budgets.perDay)");
export type BudgetView = z.infer<typeof BudgetViewSchema>;

export const TaskViewSchema = z
  .looseObject({
    id: z.string(),
    request: z.string(),
    phase: z.enum(PHASES),
    planHash: z.string(),
    origin: z.enum(PLAN_ORIGINS),
    createdAt: z.string(),
    completedAt: z.string().optional(),
    replanAttempts: z.number(),
    counts: TaskCountsSchema,
    steps: z.array(StepViewSchema),
    stepsTotal: z.number(),
    stepsOffset: z.number(),
    nextStepOffset: z
      .number()
      .optional()
      .describe('Set when more steps follow: pass it as stepOffset; a page stops early when its steps are large'),
    summaryText: z.string(),
    version: z.number().describe('Changes whenever the task does; pass it back as sinceVersion'),
    awaiting: z.array(AwaitingViewSchema).optional(),
    budget: BudgetViewSchema.optional(),
  })
  .describe('A task as it is now');
export type TaskView = z.infer<typeof TaskViewSchema>;

export const TaskSummarySchema = z.looseObject({
  id: z.string(),
  request: z.string(),
  phase: z.enum(PHASES),
  createdAt: z.string(),
  completedAt: z.string().optional(),
  stepCount: z.number(),
});
