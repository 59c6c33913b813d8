/**
 * A scripted human behind the test client's elicitation forms: answers plan forms and step forms
 * from their own queues and records every form it was shown.
 */
import type { ElicitRequestFormParams, ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import type { ElicitHandler } from '../helpers/harness.js';

type FormParams = ElicitRequestFormParams;

/** An answer: a result, `hang` (never answers; settles when the server withdraws the form), or a function. */
export type HumanReply = ElicitResult | Error | 'hang' | ((params: FormParams, signal: AbortSignal) => Promise<ElicitResult>);

export const APPROVE: ElicitResult = { action: 'accept', content: { decision: 'approve' } };
export const REJECT: ElicitResult = { action: 'accept', content: { decision: 'reject', comment: 'not on a Friday' } };
export const DECLINE: ElicitResult = { action: 'decline' };
export const DISMISS: ElicitResult = { action: 'cancel' };

export interface ScriptedHuman {
  handler: ElicitHandler;
  /** Every form shown, in order. */
  forms: FormParams[];
  planForms(): FormParams[];
  stepForms(): FormParams[];
  /** How many forms the server withdrew (cancelled) before they were answered. */
  withdrawn: number;
}

const isPlanForm = (params: FormParams): boolean => params.message.startsWith('Approve this plan?');

export function scriptedHuman(replies: { plan?: HumanReply[]; step?: HumanReply[] } = {}): ScriptedHuman {
  const queues = { plan: [...(replies.plan ?? [])], step: [...(replies.step ?? [])] };
  const human: ScriptedHuman = {
    forms: [],
    withdrawn: 0,
    planForms: () => human.forms.filter(isPlanForm),
    stepForms: () => human.forms.filter((f) => !isPlanForm(f)),
    async handler(params, { signal }) {
      if (!('requestedSchema' in params)) throw new Error('the server only asks through forms, never a URL');
      human.forms.push(params);
      const reply = (isPlanForm(params) ? queues.plan : queues.step).shift();
      if (reply === undefined) throw new Error(`the scripted human has no answer left for: ${params.message.slice(0, 60)}`);
      if (reply instanceof Error) throw reply;
      if (typeof reply === 'function') return reply(params, signal);
      if (reply === 'hang') {
        return new Promise<ElicitResult>((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            human.withdrawn += 1;
            reject(new Error('withdrawn'));
          });
        });
      }
      return reply;
    },
  };
  return human;
}

/** A reply the test gives later: the form stays open until `answer` is called. */
export function heldReply(): { reply: HumanReply; answer(result: ElicitResult): void; opened: Promise<void> } {
  let answer: (result: ElicitResult) => void = () => {};
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  const reply: HumanReply = () =>
    new Promise<ElicitResult>((resolve) => {
      answer = resolve;
      open();
    });
  return { reply, answer: (result) => answer(result), opened };
}
