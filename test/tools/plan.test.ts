/**
 * The `plan` tool through a real client: the plans it stores and the result it answers with, its
 * input bounds, corrective steps for a task waiting for a replan, and hostile input — every bad
 * call comes back as a coded `isError` tool result (ours, or the SDK's schema message naming the
 * field), nothing from a rejected plan is stored, and the server keeps serving afterwards.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DECLINE, finished, plan, routedLlm, start, states, status, taskRows, watch } from '../engine-mcp/support.js';
import { errorCode, startHarness, type Harness } from '../helpers/harness.js';
import { ScriptedLlm, fenced } from '../helpers/llm.js';
import { readJson, taskUri } from '../resources/helpers.js';
import {
  SEED_STEPS,
  expectCode,
  expectSchemaError,
  planStep,
  steps,
  taskTotal,
  propertyNames,
  published,
  text,
  type SchemaCase,
} from './support.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const outputStep = (description: string, output = 'o') => ({ description, action: 'plan', output });

function size(result: CallToolResult): number {
  return JSON.stringify(result.structuredContent).length + text(result).length;
}

describe('plan as published', () => {
  it('declares a tool that writes but destroys nothing, is not idempotent and stays inside the server', async () => {
    h = await startHarness();
    const tool = await published(h, 'plan');
    expect(tool.title).toBe('Plan a task');
    expect(tool.annotations).toEqual({
      title: 'Plan a task',
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: false,
      openWorldHint: false,
    });
    expect(propertyNames(tool.inputSchema)).toEqual(['context', 'request', 'steps', 'taskId']);
    expect(tool.inputSchema.required ?? []).toEqual([]);
    expect(propertyNames(tool.outputSchema)).toEqual(
      ['error', 'phase', 'planHash', 'planText', 'planningPrompt', 'stepSchema', 'steps', 'stepsTotal', 'task', 'taskId'].sort(),
    );
  });
});

describe('plan with host-written steps', () => {
  it('stores a host-written plan awaiting approval, every step pending', async () => {
    h = await startHarness();
    const planned = await plan(h, 'check the toolchain', SEED_STEPS);
    expect(planned.phase).toBe('awaiting_approval');
    expect(planned.taskId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(planned.steps.map((s) => [s.id, s.action, s.tier, s.dependsOn])).toEqual([
      ['s1', 'research', 'read', []],
      ['s2', 'execute', 'execute', ['s1']],
    ]);
    expect(planned.planText).toContain('Research');
    expect(planned.planText).toContain('Test');

    const task = await status(h, planned.taskId);
    expect(task.phase).toBe('awaiting_approval');
    expect(states(task)).toEqual({ s1: 'pending', s2: 'pending' });
    expect(task.replanAttempts).toBe(0);
    expect(task.completedAt).toBeUndefined();
    expect(task.counts).toMatchObject({ pending: 2, total: 2 });
    expect(task.summaryText).toBe('Awaiting approval: "check the toolchain" — 2 steps in plan');
    expect(task.awaiting).toEqual([expect.objectContaining({ kind: 'plan_approval', planHash: planned.planHash })]);
  });

  it('renders the plan text in topological order with dependency references and tier markers only for risky tiers', async () => {
    h = await startHarness();
    const planned = await plan(h, 'tidy up', [
      { description: 'List old builds', action: 'shell', command: 'ls', tier: 'read' },
      { description: 'Delete old builds', action: 'shell', command: 'true', tier: 'destructive', depends_on: [0] },
      { description: 'Post a note', action: 'shell', command: 'true', tier: 'external', depends_on: [0, 1] },
    ]);
    expect(planned.planText.split('\n').slice(0, 10)).toEqual([
      'Task plan for: "tidy up"',
      `Working directory: ${h.dir}`,
      '3 steps:',
      '',
      '  1. List old builds',
      '     shell: ls',
      '  2. Delete old builds (destructive — extra confirmation) (after #1)',
      '     shell: true',
      '  3. Post a note (external call — extra confirmation) (after #1, #2)',
      '     shell: true',
    ]);
    expect(planned.planText).toContain('`approve`');
    expect(planned.planText).toContain('`reject`');
    expect(planned.planText).toContain(planned.taskId);
    expect(planned.planText).not.toContain('<nonce>');
  });

  it('rejects an empty host plan at the schema and stores nothing', async () => {
    h = await startHarness();
    const result = await h.call('plan', { request: 'nothing', steps: [] });
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toContain('Input validation error');
    expect(JSON.stringify(result.content)).toContain('steps');
    expect(taskRows(h.db)).toEqual([]);
  });

  it.each([
    ['a self-dependency', [{ description: 'Loop', action: 'plan', output: 'x', depends_on: [0] }], 'PLAN_INVALID', 'depends on itself'],
    [
      'a forward dependency',
      [
        { description: 'First', action: 'plan', output: 'x', depends_on: [1] },
        { description: 'Second', action: 'plan', output: 'y' },
      ],
      'PLAN_INVALID',
      'depends on a later step',
    ],
    [
      'a missing dependency',
      [{ description: 'Lonely', action: 'plan', output: 'x', depends_on: [5] }],
      'PLAN_INVALID',
      'depends on a missing step',
    ],
    ['an unknown action', [{ description: 'Fly', action: 'teleport' }], 'UNKNOWN_ACTION', 'unknown action "teleport"'],
    [
      'a blank shell command',
      [{ description: 'Nothing', action: 'shell', command: '   ' }],
      'PLAN_INVALID',
      'command: a shell step needs a non-empty command',
    ],

    ['a bad command', [{ description: 'Pipe', action: 'execute', command: 'ls | wc' }], 'PLAN_INVALID', 'Shell metacharacter |'],
    [
      'a non-trailing redirect',
      [{ description: 'Redirect twice', action: 'execute', command: 'echo a > b > c' }],
      'PLAN_INVALID',
      'Multiple or non-trailing',
    ],
  ])('rejects a host plan with %s as %s naming the step', async (_what, steps, code, text) => {
    h = await startHarness();
    const result = await h.call('plan', { request: 'bad plan', steps });
    expect(errorCode(result)).toBe(code);
    const message = (result.structuredContent as { error: { message: string } }).error.message;
    expect(message).toMatch(/^step \d \(/);
    expect(message).toContain(text);
    expect(taskRows(h.db)).toEqual([]);
  });
});

describe('plan by sampling', () => {
  it('decomposes the request by sampling the client LLM, raising a tier that names none to destructive', async () => {
    const llm = new ScriptedLlm([
      fenced([
        { description: 'Look it up', action_type: 'research', query: 'what is x', depends_on: null, tier: 'read' },
        { description: 'Say it', action_type: 'shell', command: 'echo done', depends_on: 0, tier: 1 },
      ]),
    ]);
    h = await startHarness({ llm });
    const planned = await h.ok('plan', { request: 'find x' });
    expect(planned.steps).toHaveLength(2);
    expect(planned.steps[1].dependsOn).toEqual([planned.steps[0].id]);
    // A tier that names none (1) is raised to destructive, never guessed lower.
    expect(planned.steps[1].tier).toBe('destructive');
  });

  it('decomposes a messy LLM reply: prose and fences, nulls, a bare depends_on, numbers in text fields', async () => {
    const reply =
      'Okay — here is what I would do.\n\n```json\n' +
      JSON.stringify([
        { description: 'Think it through', action_type: 'plan', spec: 42, depends_on: null, tier: null, estimated_tokens: null },
        { description: 'Count files', action_type: 'shell', command: 'ls | wc -l', depends_on: 0, tier: 'READ' },
        {
          description: 'Tell the user',
          action_type: 'notify',
          message: 'done',
          channel: '',
          depends_on: [1, 'x', null, 1, 7],
          tier: 'external',
        },
      ]) +
      '\n```\nHope that helps!';
    const llm = routedLlm({ decompose: [reply] });
    h = await startHarness({ llm });
    const planned = await h.ok<{ phase: string; steps: Array<Record<string, unknown>> }>('plan', { request: 'count files' });
    expect(planned.phase).toBe('awaiting_approval');
    expect(planned.steps).toEqual([
      expect.objectContaining({ id: 's1', action: 'plan', tier: 'read', dependsOn: [], input: { output: '42' } }),
      expect.objectContaining({ id: 's2', action: 'shell', tier: 'execute', dependsOn: ['s1'], input: { command: 'ls | wc -l' } }),
      expect.objectContaining({
        id: 's3',
        action: 'notify',
        tier: 'external',
        dependsOn: ['s2'],
        input: { channel: 'default', message: 'done' },
      }),
    ]);
    expect(llm.requests).toHaveLength(1);
    expect(llm.requests[0]?.systemPrompt).toContain('ONLY valid JSON');
  });

  it('rejects an LLM reply with no JSON as PLAN_INVALID and stores nothing', async () => {
    h = await startHarness({ llm: routedLlm({ decompose: [DECLINE] }) });
    const events = watch(h);
    const result = await h.call('plan', { request: 'do the impossible' });
    expect(result.isError).toBe(true);
    expect(errorCode(result)).toBe('PLAN_INVALID');
    expect(JSON.stringify(result.content)).toContain('Failed to parse LLM output');
    expect(taskRows(h.db)).toEqual([]);
    expect(events.phases).toEqual([]);
  });

  it('rejects an empty LLM plan with PLAN_INVALID "Empty plan" and stores nothing', async () => {
    h = await startHarness({ llm: routedLlm({ decompose: ['Nothing to do here:\n```json\n[]\n```'] }) });
    const result = await h.call('plan', { request: 'nothing' });
    expect(errorCode(result)).toBe('PLAN_INVALID');
    expect((result.structuredContent as { error: { message: string } }).error.message).toBe('Empty plan — LLM produced no steps');
    expect(taskRows(h.db)).toEqual([]);
  });

  it('reports a failing sampling request as SAMPLING_FAILED', async () => {
    h = await startHarness({ llm: routedLlm({ decompose: [new Error('model overloaded')] }) });
    const result = await h.call('plan', { request: 'anything' });
    expect(errorCode(result)).toBe('SAMPLING_FAILED');
    expect(JSON.stringify(result.content)).toContain('model overloaded');
    expect(taskRows(h.db)).toEqual([]);
  });
});

describe('needs_plan', () => {
  it('answers needs_plan when the client cannot sample', async () => {
    h = await startHarness();
    const result = await h.ok('plan', { request: 'do a thing' });
    expect(result.phase).toBe('needs_plan');
    expect(result.planningPrompt).toContain('ONLY valid JSON');
    expect(result.stepSchema).toBeTypeOf('object');
  });

  it('stays bounded by the request and context bounds', async () => {
    h = await startHarness();
    const facts = Array.from({ length: 25 }, () => 'f'.repeat(10_000));
    const result = await h.call('plan', { request: 'r'.repeat(100_000), context: { facts } });
    expect((result.structuredContent as { phase: string }).phase).toBe('needs_plan');
    expect(size(result)).toBeLessThan(500_000);
  });
});

describe('plan with taskId: corrective steps', () => {
  it('refuses corrective steps for tasks that are not waiting for them', async () => {
    h = await startHarness();
    const unknown = await h.call('plan', { taskId: 'missing', steps: [{ description: 'Fix', action: 'plan', output: 'x' }] });
    expect(errorCode(unknown)).toBe('TASK_NOT_FOUND');
    const planned = await start(h, 'fine', [{ description: 'Fine', action: 'plan', output: 'ok' }]);
    await finished(h, planned.taskId);
    const notWaiting = await h.call('plan', { taskId: planned.taskId, steps: [{ description: 'Fix', action: 'plan', output: 'x' }] });
    expect(errorCode(notWaiting)).toBe('INVALID_TRANSITION');
    const noSteps = await h.call('plan', { taskId: planned.taskId });
    expect(errorCode(noSteps)).toBe('INVALID_ARGUMENT');
  });
});

describe('plan input bounds', () => {
  it('publishes the bounds in the input schema', async () => {
    h = await startHarness();
    const { tools } = await h.client.listTools();
    const schema = tools.find((t) => t.name === 'plan')?.inputSchema as Record<string, any>;
    expect(schema.properties.steps).toMatchObject({ maxItems: 1_000, minItems: 1 });
    expect(schema.properties.steps.description).toContain('1 MiB of JSON');
    expect(schema.properties.steps.items.properties.description.maxLength).toBe(10_000);
    expect(schema.properties.request.maxLength).toBe(100_000);
    expect(schema.properties.context.description).toContain('256 KiB');
  });

  it('refuses steps over 1 MiB of JSON with a validation error naming steps, and stores nothing', async () => {
    h = await startHarness();
    const steps = Array.from({ length: 200 }, (_, i) => outputStep(`Step ${i}`, 'é'.repeat(3_000)));
    const result = await h.call('plan', { request: 'too big', steps });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('Input validation error');
    expect(text(result)).toContain('steps');
    expect(text(result)).toContain(`over ${1024 * 1024} bytes as JSON`);
    expect((await h.ok('status', {})).total).toBe(0);
    // Still serving.
    expect((await h.ok('plan', { request: 'small', steps: [outputStep('One step')] })).phase).toBe('awaiting_approval');
  });

  it('refuses context facts over 256 KiB', async () => {
    h = await startHarness();
    const facts = Array.from({ length: 30 }, () => 'f'.repeat(10_000));
    const result = await h.call('plan', { request: 'r', steps: [outputStep('One step')], context: { facts } });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('context');
    expect(text(result)).toContain(`over ${256 * 1024} bytes as JSON`);
  });
});

/** These tests share one server on purpose: the last one checks what all the others left behind. */
describe('hostile input, on one shared server', () => {
  const llm = new ScriptedLlm();
  let server: Harness;
  /** Tasks the tests meant to create; the database must hold exactly these. */
  let validTasks = 0;

  beforeAll(async () => {
    server = await startHarness({ llm });
  });
  afterAll(async () => {
    await server?.close();
  });

  /** A plan the server took as data: counted, then rejected so it does not stay pending. */
  async function acceptedAsData(result: CallToolResult): Promise<Record<string, any>> {
    expect(result.isError, text(result)).toBeFalsy();
    validTasks += 1;
    const planned = result.structuredContent as Record<string, any>;
    await server.ok('approve', { taskId: planned.taskId, decision: 'reject' });
    return planned;
  }

  async function validPlan(stepDrafts: unknown[] = [planStep()]): Promise<Record<string, any>> {
    const planned = await server.ok('plan', { request: 'a valid plan', steps: stepDrafts });
    validTasks += 1;
    return planned;
  }

  describe('schema violations: wrong types, missing and out-of-range arguments', () => {
    const cases: SchemaCase[] = [
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
    ];

    it.each(cases)('%s rejects %s with the SDK validation error naming the field', async (tool, _what, args, field) => {
      expectSchemaError(await server.call(tool, args), tool, field);
    });
  });

  describe('unknown ids and missing context', () => {
    it('rejects corrective steps for an unknown task id with TASK_NOT_FOUND', async () => {
      const details = expectCode(await server.call('plan', { taskId: 'no-such-task', steps: [planStep()] }), 'TASK_NOT_FOUND');
      expect(details.taskId).toBe('no-such-task');
    });

    it('rejects plan without request with INVALID_ARGUMENT naming request', async () => {
      const details = expectCode(await server.call('plan', {}), 'INVALID_ARGUMENT');
      expect(details.field).toBe('request');
    });

    it('rejects plan with taskId but no steps with INVALID_ARGUMENT', async () => {
      expectCode(await server.call('plan', { taskId: 'no-such-task' }), 'INVALID_ARGUMENT');
    });

    it('rejects a relative or missing context.workdir with INVALID_ARGUMENT', async () => {
      for (const workdir of ['relative/dir', '/definitely/not/here/orchestrate']) {
        const details = expectCode(
          await server.call('plan', { request: 'r', steps: [planStep()], context: { workdir } }),
          'INVALID_ARGUMENT',
        );
        expect(details.field).toBe('context.workdir');
      }
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
      const before = await taskTotal(server);
      const result = await server.call('plan', { request: 'hostile plan', steps: drafts });
      const details = expectCode(result, 'PLAN_INVALID');
      expect(details.field).toBe(field);
      expect(details.step).toBe(step);
      expect(text(result)).toContain(`step ${step}`);
      expect(await taskTotal(server)).toBe(before);
    });

    it('rejects an unknown action with UNKNOWN_ACTION listing the available ones', async () => {
      const result = await server.call('plan', { request: 'r', steps: [planStep(), { description: 'Go', action: 'deploy_to_mars' }] });
      const details = expectCode(result, 'UNKNOWN_ACTION');
      expect(details).toMatchObject({ step: 2, field: 'action', action: 'deploy_to_mars' });
      expect(text(result)).toContain('shell');
    });

    it('names the execute pipe problem in the message', async () => {
      const result = await server.call('plan', {
        request: 'r',
        steps: [{ description: 'List', action: 'execute', command: 'ls | grep x' }],
      });
      expectCode(result, 'PLAN_INVALID');
      expect(text(result)).toMatch(/metacharacter \|/);
    });

    it('accepts duplicate-like steps as distinct steps with their own ids', async () => {
      const same = { description: 'Echo', action: 'shell', command: 'echo same', id: 's1' };
      const planned = await acceptedAsData(
        await server.call('plan', { request: 'twins', steps: [same, same, { ...same, depends_on: [0, 0, 1] }] }),
      );
      const ids = (planned.steps as Array<{ id: string; dependsOn: string[] }>).map((s) => s.id);
      expect(new Set(ids).size).toBe(3);
      expect(planned.steps[2].dependsOn).toEqual([ids[0], ids[1]]);
    });

    it('accepts a request of exactly 100,000 chars', async () => {
      const planned = await acceptedAsData(await server.call('plan', { request: 'r'.repeat(100_000), steps: [planStep()] }));
      const { task } = await server.ok('status', { taskId: planned.taskId });
      expect(task.request.length).toBeLessThan(2_100);
      expect(task.request).toContain('chars; see the task resource');
      expect((await readJson(server.client, taskUri(planned.taskId))).request).toHaveLength(100_000);
    });

    it('rejects a step description over 10,000 chars by the schema, naming the field', async () => {
      const result = await server.call('plan', {
        request: 'huge',
        steps: [{ description: 'd'.repeat(200_000), action: 'plan', output: 'o' }],
      });
      expect(result.isError).toBe(true);
      expect(text(result)).toContain('Input validation error: Invalid arguments for tool plan');
      expect(text(result)).toContain('description');
    });

    it('stores a 1 MB command intact as data', async () => {
      const draft = { description: 'Echo a lot', action: 'shell', command: `echo ${'a'.repeat(1_000_000)}` };
      const planned = await acceptedAsData(await server.call('plan', { request: 'huge', steps: [draft] }));
      expect(planned.steps[0].input).toMatchObject({ truncated: true, bytes: JSON.stringify({ command: draft.command }).length });
      const stored = await readJson(server.client, taskUri(planned.taskId));
      expect(stored.steps[0].input.command).toBe(draft.command);
    });

    it('stores NUL bytes, lone surrogates and deep nesting as data without crashing', async () => {
      let deep: Record<string, unknown> = { output: 'o' };
      // Twice 50,000 levels stays under the 1 MiB bound on a plan.
      for (let i = 0; i < 50_000; i += 1) deep = { a: deep };
      const planned = await acceptedAsData(
        await server.call('plan', {
          request: 'nul\u0000byte and a lone \uD800 surrogate',
          steps: [{ description: 'a\u0000b', action: 'plan', output: 'x\u0000y', input: { nested: deep }, extra: deep }],
        }),
      );
      const { task } = await server.ok('status', { taskId: planned.taskId });
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
        const result = await server.call('plan', { request: 'proto', steps: [draft] });
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
      const withContext = await server.call('plan', { request: 'proto ctx', steps: [planStep()], context });
      if (!withContext.isError) await acceptedAsData(withContext);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty('polluted');
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
      const before = await taskTotal(server);
      const asked = llm.requests.length;
      llm.push(reply);
      expectCode(await server.call('plan', { request: 'plan this by sampling' }), code);
      expect(llm.requests.length).toBe(asked + 1);
      expect(await taskTotal(server)).toBe(before);
    });

    it('answers an LLM that throws with SAMPLING_FAILED and stores nothing', async () => {
      const before = await taskTotal(server);
      llm.push(new Error('model overloaded'));
      const result = await server.call('plan', { request: 'plan this by sampling' });
      expectCode(result, 'SAMPLING_FAILED');
      expect(text(result)).toContain('model overloaded');
      expect(await taskTotal(server)).toBe(before);
    });
  });

  describe('after all of that', () => {
    it('still plans, approves and completes a task, and stores only the valid plans', async () => {
      const planned = await validPlan([
        planStep('Outline', 'outline'),
        { description: 'Echo', action: 'shell', command: 'echo still-alive', depends_on: [0] },
      ]);
      await server.ok('approve', { taskId: planned.taskId, planHash: planned.planHash });
      const { task } = await server.ok('status', { taskId: planned.taskId, waitUntil: 'terminal', timeoutSeconds: 20 });
      expect(task.phase).toBe('completed');
      expect(task.steps[1].outputs.stdout).toContain('still-alive');
      expect(await taskTotal(server)).toBe(validTasks);
      const { tasks } = await server.ok('status', { limit: 1 });
      expect(tasks[0].id).toBe(planned.taskId);
    });
  });
});
