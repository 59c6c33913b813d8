/**
 * The agent roster (configured agents, then those found on PATH, the default marked) is in every
 * planning prompt: decomposition by sampling, the needs_plan prompt, the plan_request prompt and the
 * repair prompt (seed behaviour 54).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { finished, kinds, routedLlm, userText } from '../engine-mcp/support.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { fenced } from '../helpers/llm.js';
import { agentsOnPath } from './support.js';

let h: Harness | undefined;
const scratch: string[] = [];
afterEach(async () => {
  await h?.close();
  h = undefined;
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const ROSTER =
  'Agents for implement steps (agent MUST be exactly one of these, or "default"): ' +
  'mybot (configured), claude (found on PATH), aider (found on PATH, default)';

describe('the agent roster in planning prompts', () => {
  it('lists configured and discovered agents, the default marked, when decomposing and when repairing', async () => {
    const path = agentsOnPath({ claude: 'writes', aider: 'writes' }, scratch);
    const implement = { path, default: 'aider', agents: { mybot: { command: join(path, 'claude'), args: ['{spec}'] } } };
    const llm = routedLlm({
      decompose: [fenced([{ description: 'Check the build', action: 'execute', command: 'false' }])],
      repair: ['[]'],
    });
    h = await startHarness({ llm, config: { pluginOptions: { implement } } });
    const planned = await h.ok<{ taskId: string; planHash: string }>('plan', { request: 'fix the build' });
    await h.ok('approve', { taskId: planned.taskId, planHash: planned.planHash });
    await finished(h, planned.taskId);
    expect(kinds(llm)).toEqual(['decompose', 'repair']);
    expect(userText(llm.requests[0]!)).toContain(ROSTER);
    expect(userText(llm.requests[1]!)).toContain(ROSTER);

    const prompt = await h.client.getPrompt({ name: 'plan_request', arguments: { request: 'fix the build' } });
    expect((prompt.messages[0]?.content as { text: string }).text).toContain(ROSTER);
    const writer = await h.connectClient();
    const needsPlan = (await writer.callTool({ name: 'plan', arguments: { request: 'fix the build' } })).structuredContent as {
      planningPrompt: string;
    };
    expect(needsPlan.planningPrompt).toContain(ROSTER);
  });

  it('says nothing of agents when none is configured or found', async () => {
    const llm = routedLlm({ decompose: [fenced([{ description: 'Say hi', action: 'shell', command: 'echo hi' }])] });
    h = await startHarness({ llm, config: { pluginOptions: { implement: { discover: false } } } });
    await h.ok('plan', { request: 'say hi' });
    expect(userText(llm.requests[0]!)).not.toContain('Agents for implement steps');
  });
});
