/**
 * Hostile input through the real MCP client: every bad call comes back as a coded `isError` tool
 * result (ours, or the SDK's schema message naming the field), nothing from a rejected plan is
 * stored, and the server keeps serving afterwards. The tests share one server on purpose: the last
 * one checks what all the others left behind.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, startHarness, type Harness } from '../helpers/harness.js';
import { ScriptedLlm } from '../helpers/llm.js';
import { readJson, taskUri } from '../resources/helpers.js';

const llm = new ScriptedLlm();
let h: Harness;
/** Tasks the tests meant to create; the database must hold exactly these. */
let validTasks = 0;

beforeAll(async () => {
  h = await startHarness({ llm });
});
afterAll(async () => {
  await h?.close();
});

const planStep = (description = 'Write it down', output = 'text') => ({ description, action: 'plan', output });
const steps = (n: number) => Array.from({ length: n }, (_, i) => planStep(`step ${i}`));

function text(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

function expectSchemaError(result: CallToolResult, tool: string, field: string): void {
  expect(result.isError, text(result)).toBe(true);
  expect(text(result)).toContain(`Input validation error: Invalid arguments for tool ${tool}`);
  expect(text(result)).toContain(field);
}

function expectCode(result: CallToolResult, code: string): Record<string, unknown> {
  expect(result.isError, text(result)).toBe(true);
  expect(errorCode(result)).toBe(code);
  expect(text(result)).toContain(code);
  const error = (result.structuredContent as { error: { hint: string; details?: Record<string, unknown> } }).error;
  expect(error.hint).not.toBe('');
  return error.details ?? {};
}

async function taskTotal(): Promise<number> {
  const list = await h.ok('status', {});
  return list.total as number;
}

/** A plan the server took as data: counted, then rejected so it does not stay pending. */
async function acceptedAsData(result: CallToolResult): Promise<Record<string, any>> {
  expect(result.isError, text(result)).toBeFalsy();
  validTasks += 1;
  const planned = result.structuredContent as Record<string, any>;
  await h.ok('approve', { taskId: planned.taskId, decision: 'reject' });
  return planned;
}

async function validPlan(stepDrafts: unknown[] = [planStep()]): Promise<Record<string, any>> {
  const planned = await h.ok('plan', { request: 'a valid plan', steps: stepDrafts });
  validTasks += 1;
  return planned;
}

describe('schema violations: wrong types, missing and out-of-range arguments', () => {
  const cases: Array<[string, string, Record<string, unknown>, string]> = [
    ['plan', 'request as a number', { request: 42 }, 'request'],
    ['plan', 'an empty request', { request: '' }, 'request'],
    ['plan', 'a request of 100,001 chars', { request: 'x'.repeat(100_001) }, 'request'],
    ['plan', 'steps as a string', { request: 'r', steps: 'do it all' }, 'steps'],
    ['plan', 'steps = []', { request: 'r', steps: [] }, 'steps'],
    ['plan', '1,001 steps', { request: 'r', steps: steps(1_001) }, 'steps'],
    ['plan', '10,000 steps', { request: 'r', steps: steps(10_000) }, 'steps'],
    ['plan', 'a step that is a string', { request: 'r', steps: ['step one'] }, 'steps'],
    ['plan', 'a step without description', { request: 'r', steps: [{ action: 'shell', command: 'ls' }] }, 'description'],
    ['plan', 'a numeric description', { request: 'r', steps: [{ description: 5, action: 'plan' }] }, 'description'],
    ['plan', 'a numeric action', { request: 'r', steps: [{ description: 'd', action: 7 }] }, 'action'],
    ['plan', 'depends_on as a string', { request: 'r', steps: [{ ...planStep(), depends_on: '0' }] }, 'depends_on'],
    ['plan', 'a numeric tier', { request: 'r', steps: [{ ...planStep(), tier: 1 }] }, 'tier'],
    ['plan', 'estimated_tokens as text', { request: 'r', steps: [{ ...planStep(), estimated_tokens: 'lots' }] }, 'estimated_tokens'],
    ['plan', 'input as a string', { request: 'r', steps: [{ description: 'd', action: 'shell', input: 'echo hi' }] }, 'input'],
    ['plan', 'input as an array', { request: 'r', steps: [{ description: 'd', action: 'shell', input: ['echo', 'hi'] }] }, 'input'],
    ['plan', 'context as a string', { request: 'r', context: '/tmp' }, 'context'],
    ['plan', 'context.facts as a string', { request: 'r', context: { facts: 'it is Tuesday' } }, 'facts'],
    ['plan', 'context.workdir as a number', { request: 'r', context: { workdir: 5 } }, 'workdir'],
    ['plan', 'taskId as a number', { taskId: 5, steps: [planStep()] }, 'taskId'],
    ['approve', 'taskId as a number', { taskId: 5 }, 'taskId'],
    ['approve', 'an unknown decision', { decision: 'maybe' }, 'decision'],
    ['approve', 'planHash as a number', { taskId: 't', planHash: 123 }, 'planHash'],
    ['approve', 'stepId as a boolean', { taskId: 't', stepId: true }, 'stepId'],
    ['approve', 'comment as an object', { taskId: 't', comment: { why: 'because' } }, 'comment'],
    ['status', 'taskId as a number', { taskId: 5 }, 'taskId'],
    ['status', 'waitUntil "soon"', { taskId: 't', waitUntil: 'soon' }, 'waitUntil'],
    ['status', 'timeoutSeconds 51', { taskId: 't', waitUntil: 'change', timeoutSeconds: 51 }, 'timeoutSeconds'],
    ['status', 'timeoutSeconds as text', { taskId: 't', timeoutSeconds: '10' }, 'timeoutSeconds'],
    ['status', 'a negative stepOffset', { taskId: 't', stepOffset: -1 }, 'stepOffset'],
    ['status', 'stepLimit 0', { taskId: 't', stepLimit: 0 }, 'stepLimit'],
    ['status', 'limit as text', { limit: 'ten' }, 'limit'],
    ['status', 'a fractional offset', { offset: 1.5 }, 'offset'],
    ['cancel', 'no taskId', {}, 'taskId'],
    ['cancel', 'taskId as a number', { taskId: 5 }, 'taskId'],
    ['cancel', 'reason as a number', { taskId: 't', reason: 5 }, 'reason'],
  ];

  it.each(cases)('%s rejects %s with the SDK validation error naming the field', async (tool, _what, args, field) => {
    expectSchemaError(await h.call(tool, args), tool, field);
  });
});

describe('unknown ids and missing context', () => {
  it('rejects an unknown task id on status, approve, reject, stepId, cancel and replan with TASK_NOT_FOUND', async () => {
    const calls: Array<[string, Record<string, unknown>]> = [
      ['status', { taskId: 'no-such-task' }],
      ['status', { taskId: 'no-such-task', waitUntil: 'change', timeoutSeconds: 1 }],
      ['approve', { taskId: 'no-such-task' }],
      ['approve', { taskId: 'no-such-task', decision: 'reject' }],
      ['approve', { taskId: 'no-such-task', stepId: 's1' }],
      ['cancel', { taskId: 'no-such-task' }],
      ['plan', { taskId: 'no-such-task', steps: [planStep()] }],
    ];
    for (const [tool, args] of calls) {
      const details = expectCode(await h.call(tool, args), 'TASK_NOT_FOUND');
      expect(details.taskId).toBe('no-such-task');
    }
  });

  it('rejects plan without request with INVALID_ARGUMENT naming request', async () => {
    const details = expectCode(await h.call('plan', {}), 'INVALID_ARGUMENT');
    expect(details.field).toBe('request');
  });

  it('rejects plan with taskId but no steps with INVALID_ARGUMENT', async () => {
    expectCode(await h.call('plan', { taskId: 'no-such-task' }), 'INVALID_ARGUMENT');
  });

  it('rejects a relative or missing context.workdir with INVALID_ARGUMENT', async () => {
    for (const workdir of ['relative/dir', '/definitely/not/here/orchestrate']) {
      const details = expectCode(await h.call('plan', { request: 'r', steps: [planStep()], context: { workdir } }), 'INVALID_ARGUMENT');
      expect(details.field).toBe('context.workdir');
    }
  });

  it('rejects approve with stepId but no taskId with INVALID_ARGUMENT', async () => {
    const details = expectCode(await h.call('approve', { stepId: 's1' }), 'INVALID_ARGUMENT');
    expect(details.field).toBe('taskId');
  });

  it('rejects approve without taskId when no plan is pending with NO_PENDING_TASK', async () => {
    expectCode(await h.call('approve', {}), 'NO_PENDING_TASK');
  });

  it('rejects approve without taskId when two plans are pending with AMBIGUOUS_TASK', async () => {
    const a = await validPlan();
    const b = await validPlan();
    const details = expectCode(await h.call('approve', {}), 'AMBIGUOUS_TASK');
    expect(details.taskIds).toEqual(expect.arrayContaining([a.taskId, b.taskId]));
    for (const t of [a, b]) await h.ok('approve', { taskId: t.taskId, decision: 'reject' });
  });
});

describe('plans written by the caller are validated strictly', () => {
  const invalid: Array<[string, unknown[], string, number]> = [
    ['a self-dependency', [{ ...planStep(), depends_on: [0] }], 'depends_on', 1],
    ['a self-dependency written as a number', [planStep(), { ...planStep(), depends_on: 1 }], 'depends_on', 2],
    ['a forward dependency', [{ ...planStep(), depends_on: [1] }, planStep()], 'depends_on', 1],
    ['an out-of-range dependency', [planStep(), { ...planStep(), depends_on: [5] }], 'depends_on', 2],
    ['a negative dependency', [planStep(), { ...planStep(), depends_on: [-1] }], 'depends_on', 2],
    ['a non-integer dependency', [planStep(), { ...planStep(), depends_on: [0.5] }], 'depends_on', 2],
    ['a missing action', [{ description: 'Do something' }], 'action', 1],
    ['an empty action', [{ description: 'Do something', action: '  ' }], 'action', 1],
    ['an empty description', [{ description: '', action: 'plan', output: 'x' }], 'description', 1],
    ['a blank description', [planStep(), { description: '   ', action: 'plan', output: 'x' }], 'description', 2],
    ['tier "medium-high", which names no tier', [{ ...planStep(), tier: 'medium-high' }], 'tier', 1],
    ['negative estimated_tokens', [{ ...planStep(), estimated_tokens: -5 }], 'estimated_tokens', 1],
    ['an empty shell command', [{ description: 'Run', action: 'shell', command: '' }], 'command', 1],
    ['a blank shell command', [{ description: 'Run', action: 'shell', input: { command: '   ' } }], 'command', 1],
    ['an execute command with a pipe', [planStep(), { description: 'List', action: 'execute', command: 'ls | grep x' }], 'command', 2],
    ['an execute command with $(…)', [{ description: 'Where', action: 'execute', command: 'echo $(pwd)' }], 'command', 1],
    ['an execute command with backticks', [{ description: 'Where', action: 'execute', command: 'echo `pwd`' }], 'command', 1],
    ['an execute command with &&', [{ description: 'Both', action: 'execute', command: 'true && rm -rf x' }], 'command', 1],
  ];

  it.each(invalid)('rejects %s with PLAN_INVALID naming the step and field', async (_what, drafts, field, step) => {
    const before = await taskTotal();
    const result = await h.call('plan', { request: 'hostile plan', steps: drafts });
    const details = expectCode(result, 'PLAN_INVALID');
    expect(details.field).toBe(field);
    expect(details.step).toBe(step);
    expect(text(result)).toContain(`step ${step}`);
    expect(await taskTotal()).toBe(before);
  });

  it('rejects an unknown action with UNKNOWN_ACTION listing the available ones', async () => {
    const result = await h.call('plan', { request: 'r', steps: [planStep(), { description: 'Go', action: 'deploy_to_mars' }] });
    const details = expectCode(result, 'UNKNOWN_ACTION');
    expect(details).toMatchObject({ step: 2, field: 'action', action: 'deploy_to_mars' });
    expect(text(result)).toContain('shell');
  });

  it('names the execute pipe problem in the message', async () => {
    const result = await h.call('plan', { request: 'r', steps: [{ description: 'List', action: 'execute', command: 'ls | grep x' }] });
    expectCode(result, 'PLAN_INVALID');
    expect(text(result)).toMatch(/metacharacter \|/);
  });

  it('accepts duplicate-like steps as distinct steps with their own ids', async () => {
    const same = { description: 'Echo', action: 'shell', command: 'echo same', id: 's1' };
    const planned = await acceptedAsData(
      await h.call('plan', { request: 'twins', steps: [same, same, { ...same, depends_on: [0, 0, 1] }] }),
    );
    const ids = (planned.steps as Array<{ id: string; dependsOn: string[] }>).map((s) => s.id);
    expect(new Set(ids).size).toBe(3);
    expect(planned.steps[2].dependsOn).toEqual([ids[0], ids[1]]);
  });

  it('accepts a request of exactly 100,000 chars', async () => {
    const planned = await acceptedAsData(await h.call('plan', { request: 'r'.repeat(100_000), steps: [planStep()] }));
    const { task } = await h.ok('status', { taskId: planned.taskId });
    expect(task.request.length).toBeLessThan(2_100);
    expect(task.request).toContain('chars; see the task resource');
    expect((await readJson(h.client, taskUri(planned.taskId))).request).toHaveLength(100_000);
  });

  it('rejects a step description over 10,000 chars by the schema, naming the field', async () => {
    const result = await h.call('plan', { request: 'huge', steps: [{ description: 'd'.repeat(200_000), action: 'plan', output: 'o' }] });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('Input validation error: Invalid arguments for tool plan');
    expect(text(result)).toContain('description');
  });

  it('stores a 1 MB command intact as data', async () => {
    const draft = { description: 'Echo a lot', action: 'shell', command: `echo ${'a'.repeat(1_000_000)}` };
    const planned = await acceptedAsData(await h.call('plan', { request: 'huge', steps: [draft] }));
    expect(planned.steps[0].input).toMatchObject({ truncated: true, bytes: JSON.stringify({ command: draft.command }).length });
    const stored = await readJson(h.client, taskUri(planned.taskId));
    expect(stored.steps[0].input.command).toBe(draft.command);
  });

  it('stores NUL bytes, lone surrogates and deep nesting as data without crashing', async () => {
    let deep: Record<string, unknown> = { output: 'o' };
    // Twice 50,000 levels stays under the 1 MiB bound on a plan.
    for (let i = 0; i < 50_000; i += 1) deep = { a: deep };
    const planned = await acceptedAsData(
      await h.call('plan', {
        request: 'nul\u0000byte and a lone \uD800 surrogate',
        steps: [{ description: 'a\u0000b', action: 'plan', output: 'x\u0000y', input: { nested: deep }, extra: deep }],
      }),
    );
    const { task } = await h.ok('status', { taskId: planned.taskId });
    expect(task.steps[0].description).toBe('a\u0000b');
    expect(task.steps[0].input).toEqual({ output: 'x\u0000y' });
  });

  it('treats __proto__ and constructor keys as data, never as prototypes', async () => {
    const drafts = [
      '{"description":"p","action":"shell","command":"echo ok","__proto__":{"command":"echo pwned","polluted":"yes"}}',
      '{"description":"p","action":"shell","command":"echo ok","input":{"__proto__":{"command":"echo pwned","polluted":"yes"}}}',
      '{"description":"p","action":"shell","input":{"__proto__":{"command":"echo pwned"}}}',
      '{"description":"p","action":"plan","output":"o","constructor":{"prototype":{"polluted":"yes"}},"input":{"constructor":"c","toString":"x"}}',
    ].map((json) => JSON.parse(json) as Record<string, unknown>);
    for (const draft of drafts) {
      const result = await h.call('plan', { request: 'proto', steps: [draft] });
      if (result.isError) {
        expect(['PLAN_INVALID', 'INVALID_ARGUMENT']).toContain(errorCode(result));
        continue;
      }
      const planned = await acceptedAsData(result);
      const input = planned.steps[0].input as Record<string, unknown>;
      expect(JSON.stringify(input)).not.toContain('pwned');
      expect(JSON.stringify(input)).not.toContain('polluted');
    }
    const context = JSON.parse('{"__proto__":{"workdir":"/etc","polluted":"yes"}}') as Record<string, unknown>;
    const withContext = await h.call('plan', { request: 'proto ctx', steps: [planStep()], context });
    if (!withContext.isError) await acceptedAsData(withContext);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
});

describe('decisions in the wrong phase', () => {
  it('rejects approve with a wrong planHash with PLAN_CHANGED and leaves the plan pending', async () => {
    const planned = await validPlan();
    const details = expectCode(await h.call('approve', { taskId: planned.taskId, planHash: 'not-the-hash' }), 'PLAN_CHANGED');
    expect(details.planHash).toBe(planned.planHash);
    const { task } = await h.ok('status', { taskId: planned.taskId });
    expect(task.phase).toBe('awaiting_approval');
    await h.ok('approve', { taskId: planned.taskId, decision: 'reject' });
  });

  it('rejects approve, reject, replan and stepId answers on a running task', async () => {
    const planned = await validPlan([{ description: 'Wait a while', action: 'shell', command: 'sleep 30' }]);
    await h.ok('approve', { taskId: planned.taskId, planHash: planned.planHash });
    await expect
      .poll(async () => (await h.ok('status', { taskId: planned.taskId })).task.steps[0].state, { timeout: 10_000 })
      .toBe('running');
    const taskId = planned.taskId as string;
    const stepId = planned.steps[0].id as string;

    expect(expectCode(await h.call('approve', { taskId }), 'INVALID_TRANSITION').phase).toBe('executing');
    expect(expectCode(await h.call('approve', { taskId, decision: 'reject' }), 'INVALID_TRANSITION').phase).toBe('executing');
    expectCode(await h.call('plan', { taskId, steps: [planStep()] }), 'INVALID_TRANSITION');
    const stepDetails = expectCode(await h.call('approve', { taskId, stepId }), 'INVALID_TRANSITION');
    expect(stepDetails).toMatchObject({ stepId, state: 'running' });
    expectCode(await h.call('approve', { taskId, stepId, decision: 'reject' }), 'INVALID_TRANSITION');
    expect(expectCode(await h.call('approve', { taskId, stepId: 's99' }), 'STEP_NOT_FOUND').stepId).toBe('s99');

    const cancelled = await h.ok('cancel', { taskId, reason: 'test over' });
    expect(cancelled.task.phase).toBe('cancelled');
    expect(cancelled.task.steps[0].state).toBe('cancelled');
  });

  it('lets exactly one of two concurrent approvals win; the other gets INVALID_TRANSITION', async () => {
    const planned = await validPlan([planStep('Say once', 'once')]);
    const results = await Promise.all([h.call('approve', { taskId: planned.taskId }), h.call('approve', { taskId: planned.taskId })]);
    expect(results.filter((r) => !r.isError)).toHaveLength(1);
    expectCode(results.find((r) => r.isError) as CallToolResult, 'INVALID_TRANSITION');
    const { task } = await h.ok('status', { taskId: planned.taskId, waitUntil: 'terminal', timeoutSeconds: 20 });
    expect(task.phase).toBe('completed');
  });

  it('rejects approving or rejecting a finished task and returns it unchanged from cancel', async () => {
    const planned = await validPlan([planStep('Say done', 'done')]);
    const taskId = planned.taskId as string;
    await h.ok('approve', { taskId });
    const { task: finished } = await h.ok('status', { taskId, waitUntil: 'terminal', timeoutSeconds: 20 });
    expect(finished.phase).toBe('completed');

    expect(expectCode(await h.call('approve', { taskId }), 'INVALID_TRANSITION').phase).toBe('completed');
    expect(expectCode(await h.call('approve', { taskId, decision: 'reject' }), 'INVALID_TRANSITION').phase).toBe('completed');
    expectCode(await h.call('approve', { taskId, stepId: planned.steps[0].id }), 'INVALID_TRANSITION');

    const result = await h.call('cancel', { taskId, reason: 'too late' });
    expect(result.isError).toBeFalsy();
    const { task } = result.structuredContent as { task: Record<string, any> };
    expect(task.phase).toBe('completed');
    expect(task.completedAt).toBe(finished.completedAt);
    expect(task.steps).toEqual(finished.steps);
  });
});

describe('malformed LLM output through sampling', () => {
  const replies: Array<[string, string, string]> = [
    ['prose instead of JSON', "I'm sorry, I can't help with planning that.", 'PLAN_INVALID'],
    ['an empty reply', '', 'PLAN_INVALID'],
    ['a JSON object instead of an array', '{"description":"Do it","action":"shell","command":"echo hi"}', 'PLAN_INVALID'],
    ['an array of numbers', '[1, 2, 3]', 'PLAN_INVALID'],
    ['an empty array', '```json\n[]\n```', 'PLAN_INVALID'],
    ['truncated JSON', '```json\n[{"description": "Install deps", "action": "shell", "command": "npm i', 'PLAN_INVALID'],
    ['a step with an empty description', '[{"description": "", "action": "plan"}]', 'PLAN_INVALID'],
    ['an unknown action_type', '[{"description": "Launch", "action_type": "deploy_to_mars", "depends_on": null}]', 'UNKNOWN_ACTION'],
  ];

  it.each(replies)('answers %s with a coded error and stores nothing', async (_what, reply, code) => {
    const before = await taskTotal();
    const asked = llm.requests.length;
    llm.push(reply);
    expectCode(await h.call('plan', { request: 'plan this by sampling' }), code);
    expect(llm.requests.length).toBe(asked + 1);
    expect(await taskTotal()).toBe(before);
  });

  it('answers an LLM that throws with SAMPLING_FAILED and stores nothing', async () => {
    const before = await taskTotal();
    llm.push(new Error('model overloaded'));
    const result = await h.call('plan', { request: 'plan this by sampling' });
    expectCode(result, 'SAMPLING_FAILED');
    expect(text(result)).toContain('model overloaded');
    expect(await taskTotal()).toBe(before);
  });
});

describe('after all of that', () => {
  it('still plans, approves and completes a task, and stores only the valid plans', async () => {
    const planned = await validPlan([
      planStep('Outline', 'outline'),
      { description: 'Echo', action: 'shell', command: 'echo still-alive', depends_on: [0] },
    ]);
    await h.ok('approve', { taskId: planned.taskId, planHash: planned.planHash });
    const { task } = await h.ok('status', { taskId: planned.taskId, waitUntil: 'terminal', timeoutSeconds: 20 });
    expect(task.phase).toBe('completed');
    expect(task.steps[1].outputs.stdout).toContain('still-alive');
    expect(await taskTotal()).toBe(validTasks);
    const { tasks } = await h.ok('status', { limit: 1 });
    expect(tasks[0].id).toBe(planned.taskId);
  });
});
