import { z } from 'zod';
import { PHASES, STEP_STATES, TIERS } from '../engine/model.js';

/** Output shapes shared by the tools. Every tool output may instead carry `error` (with isError). */

export const errorShape = z
  .object({
    code: z.string().describe('Stable SCREAMING_SNAKE error code'),
    message: z.string().describe('What went wrong'),
    hint: z.string().describe('What to do about it'),
    details: z.record(z.string(), z.unknown()).optional().describe('Plain-data specifics (step number, field, …)'),
  })
  .describe('Set instead of the result when the call failed');

export const stepDraftShape = z
  .looseObject({
    description: z.string().max(10_000).describe('What the step does, for humans'),
    action: z.string().max(200).optional().describe('Action (plugin) name, e.g. "shell", "research"'),
    action_type: z.string().max(200).optional().describe('Alias of action'),
    depends_on: z
      .union([z.array(z.number()), z.number()])
      .optional()
      .describe('0-based indices of earlier steps that must complete first'),
    tier: z.string().optional().describe('read | write | execute | destructive | external'),
    estimated_tokens: z.number().optional().describe('Estimated LLM tokens the step costs'),
    input: z.record(z.string(), z.unknown()).optional().describe('Action input; action fields may also be written flat on the step'),
  })
  .describe('One step of a plan, written by a model');

export const stepShape = z.looseObject({
  id: z.string().describe('Step id, unique within the task'),
  action: z.string().describe('Action (plugin) name'),
  description: z.string().describe('What the step does'),
  dependsOn: z.array(z.string()).describe('Ids of steps that must complete first'),
  tier: z.enum(TIERS).describe('Risk tier'),
  input: z.record(z.string(), z.unknown()).describe('Action input'),
});

export const stepViewShape = stepShape.extend({
  state: z.enum(STEP_STATES).describe('Step state'),
  startedAt: z.string().optional().describe('ISO time the step started'),
  finishedAt: z.string().optional().describe('ISO time the step finished'),
  summary: z.string().optional().describe('One-line result'),
  error: z.string().optional().describe('Why the step failed'),
  reason: z.string().optional().describe('Why the step was skipped or cancelled'),
  outputs: z
    .looseObject({
      stdout: z.string(),
      stderr: z.string(),
      exitCode: z.number().nullable(),
      data: z.unknown(),
      artifacts: z.array(z.string()),
      truncated: z.boolean(),
    })
    .optional()
    .describe('What a finished step produced (stdout capped at 4 KiB)'),
});

export const countsShape = z.looseObject({
  pending: z.number(),
  running: z.number(),
  awaiting: z.number(),
  completed: z.number(),
  failed: z.number(),
  skipped: z.number(),
  cancelled: z.number(),
  total: z.number(),
});

export const taskViewShape = z
  .looseObject({
    id: z.string(),
    request: z.string(),
    phase: z.enum(PHASES),
    planHash: z.string(),
    createdAt: z.string(),
    completedAt: z.string().optional(),
    replanAttempts: z.number(),
    counts: countsShape,
    steps: z.array(stepViewShape),
    stepsTotal: z.number(),
    stepsOffset: z.number(),
    summaryText: z.string(),
    version: z.number().describe('Changes whenever the task does; pass it back as sinceVersion'),
    awaiting: z.array(z.looseObject({ kind: z.string() })).optional(),
  })
  .describe('A task as it is now');

export const taskSummaryShape = z.looseObject({
  id: z.string(),
  request: z.string(),
  phase: z.enum(PHASES),
  createdAt: z.string(),
  completedAt: z.string().optional(),
  stepCount: z.number(),
});
