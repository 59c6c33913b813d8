import { z } from 'zod';
import { jsonBytes } from '../engine/views/clip.js';

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
      .union([z.array(z.number()).max(1_000), z.number()])
      .optional()
      .describe('0-based indices of earlier steps that must complete first'),
    tier: z.string().max(100).optional().describe('read | write | execute | destructive | external'),
    estimated_tokens: z.number().optional().describe('Estimated LLM tokens the step costs'),
    input: z.record(z.string(), z.unknown()).optional().describe('Action input; action fields may also be written flat on the step'),
    effects: z
      .string()
      .max(40)
      .optional()
      .describe("none | idempotent | side-effecting: whether the step may be re-run by itself after a crash; default the action's"),
    retry: z
      .record(z.string(), z.unknown())
      .optional()
      .describe(
        '{ attempts, backoffSeconds?, maxBackoffSeconds?, exitCodes? }: try the step again after a retryable failure (a timeout, a failed command; exitCodes limits which exit codes count)',
      ),
  })
  .describe('One step of a plan, written by a model');

/**
 * The most a plan's steps may hold, as UTF-8 JSON. With the request and context bounds it keeps
 * any valid `plan` call under 2 MiB, well inside the 4 MiB message limit of every transport.
 */
export const MAX_PLAN_BYTES = 1024 * 1024;
const MAX_CONTEXT_BYTES = 256 * 1024;

/** At most `max` bytes as UTF-8 JSON, with a message that says how big it is. */
function jsonBytesAtMost<T>(max: number, what: string): (ctx: z.core.ParsePayload<T>) => void {
  return (ctx) => {
    const bytes = jsonBytes(ctx.value, max);
    if (bytes <= max) return;
    ctx.issues.push({
      code: 'custom',
      input: ctx.value,
      message:
        `${what} are over ${max} bytes as JSON, the most accepted. Split the work into several tasks, ` +
        'or write large inputs to files and pass their paths.',
    });
  };
}

export const planStepsShape = z
  .array(stepDraftShape)
  .min(1)
  .max(1_000)
  .check(jsonBytesAtMost(MAX_PLAN_BYTES, 'The steps'))
  .describe('A plan written by you: steps with 0-based depends_on; at most 1,000 steps and 1 MiB of JSON in all');

export const planContextShape = z
  .object({
    facts: z.array(z.string().max(10_000)).max(100).optional().describe('Project facts the planner must treat as true'),
    workdir: z.string().max(4_096).optional().describe('Absolute working directory for the steps'),
  })
  .check(jsonBytesAtMost(MAX_CONTEXT_BYTES, 'The context'))
  .describe('Context for planning and execution; at most 256 KiB of JSON in all');

/** The tools' output shapes are the engine's view schemas. */
export {
  StepShownSchema as stepShape,
  StepViewSchema as stepViewShape,
  TaskSummarySchema as taskSummaryShape,
  TaskViewSchema as taskViewShape,
} from '../engine/views/schemas.js';
