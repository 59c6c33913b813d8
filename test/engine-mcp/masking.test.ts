/**
 * A configured secret a step prints reads *** wherever it goes next: status, the task and audit
 * resources, log notifications and the replan prompt the client's LLM receives.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { DECLINE, finished, routedLlm, start, step, userText } from './support.js';

const SECRET = 'prod-db-password-4411';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('secret masking', () => {
  it('masks a configured secret in status, resources, logs and the replan prompt', async () => {
    const llm = routedLlm({ repair: [DECLINE] });
    h = await startHarness({ llm, config: { secretValues: [SECRET] } });
    const planned = await start(h, `connect with ${SECRET}`, [
      { description: 'Show the connection string', action: 'shell', command: `echo "postgres://app:${SECRET}@db/app"; exit 2` },
    ]);
    expect(planned.planText).not.toContain(SECRET);
    const task = await finished(h, planned.taskId);
    expect(step(task, 's1').outputs?.stdout).toBe('postgres://app:***@db/app\n');
    const everything = [
      JSON.stringify(task),
      JSON.stringify(await h.client.readResource({ uri: `orchestrate://tasks/${planned.taskId}` })),
      JSON.stringify(await h.client.readResource({ uri: `orchestrate://tasks/${planned.taskId}/audit` })),
      JSON.stringify(h.logs),
      ...llm.requests.map((r) => JSON.stringify(r)),
    ];
    for (const text of everything) expect(text).not.toContain(SECRET);
    const repair = llm.requests.find((r) => userText(r).includes('Failed step'));
    expect(userText(repair!)).toContain('postgres://app:***@db/app');
  });

  it('masks what the client LLM answered when it repeats a secret', async () => {
    const llm = routedLlm({ research: [`The password is ${SECRET}.`] });
    h = await startHarness({ llm, config: { secretValues: [SECRET] } });
    const planned = await start(h, 'look it up', [
      { description: 'Find the password', action: 'research', query: 'what is the password?' },
    ]);
    const task = await finished(h, planned.taskId);
    expect(step(task, 's1').outputs?.stdout).toBe('The password is ***.');
    expect(step(task, 's1').summary).toBe('The password is ***.');
  });
});
