import type { FormField, HumanForm } from '../engine/channel.js';
import { CONFIRM_DECISIONS, INTERRUPTED_DECISIONS, type Step, type Task, type Tier } from '../engine/model.js';
import { formatDuration } from '../engine/views/text.js';

/** The one question every approval form asks; flat primitives only, as elicitation allows. */
const DECISION_FIELD: FormField = {
  type: 'string',
  title: 'Decision',
  description: 'Approve to go ahead, reject to stop',
  enum: [...CONFIRM_DECISIONS],
  enumNames: ['Approve', 'Reject'],
};

const COMMENT_FIELD: FormField = {
  type: 'string',
  title: 'Comment',
  description: 'Optional: why (kept with the task)',
  maxLength: 2_000,
};

/** The most of a step's input a form shows; the plan the human approved already listed it. */
const INPUT_SHOWN = 2_000;

const TIER_MEANING: Partial<Record<Tier, string>> = {
  destructive: 'destructive: it may delete or overwrite things that cannot be restored',
  external: 'external: it reaches systems outside this machine',
};

function decisionForm(message: string): HumanForm {
  return {
    message,
    requestedSchema: { type: 'object', properties: { decision: DECISION_FIELD, comment: COMMENT_FIELD }, required: ['decision'] },
  };
}

/**
 * The plan-approval form: the plan as the model was shown it and its hash, because the approval
 * binds to exactly that plan. The plan text's closing line tells the model how to use the approve
 * tool; a human answering a form does not need it.
 */
export function planForm(task: Task, planText: string): HumanForm {
  const plan = planText.replace(/\n\nApprove with the `approve` tool[\s\S]*$/, '');
  return decisionForm(
    `Approve this plan? Nothing runs until you do.\n\n${plan}\n\n` +
      `Plan hash: ${task.planHash} — your answer applies to this exact plan only.`,
  );
}

/** The form about a step the server was running when it stopped: run it again, count it as done, or fail it. */
export function interruptedForm(task: Task, step: Step): HumanForm {
  const input = JSON.stringify(step.input);
  const shown = input.length > INPUT_SHOWN ? `${input.slice(0, INPUT_SHOWN)}…` : input;
  return {
    message:
      `Step ${step.id} of the task "${task.request}" was running when the server stopped, and it may have had an effect already.\n\n` +
      `  ${step.description}\n  Action: ${step.action} ${shown}\n\n` +
      'Retry runs it again; done counts it as completed (you checked that its effect happened); fail fails it (the plan is repaired as after any failure).',
    requestedSchema: {
      type: 'object',
      properties: {
        decision: {
          type: 'string',
          title: 'Decision',
          description: 'What to do with the interrupted step',
          enum: [...INTERRUPTED_DECISIONS],
          enumNames: ['Run it again', 'It is done', 'Fail it'],
        },
        comment: COMMENT_FIELD,
      },
      required: ['decision'],
    },
  };
}

/** The per-step form: what the step will do, its tier, and how long it waits for an answer. */
export function stepForm(task: Task, step: Step, timeoutMs: number): HumanForm {
  const input = JSON.stringify(step.input);
  const shown = input.length > INPUT_SHOWN ? `${input.slice(0, INPUT_SHOWN)}…` : input;
  return decisionForm(
    `Step ${step.id} of the task "${task.request}" needs your confirmation before it runs.\n\n` +
      `  ${step.description}\n  Tier: ${TIER_MEANING[step.tier] ?? step.tier}\n  Action: ${step.action} ${shown}\n\n` +
      `Without an answer within ${formatDuration(timeoutMs)} the step is cancelled.`,
  );
}
