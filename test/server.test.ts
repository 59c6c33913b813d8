/** The server's own surface besides tools and resources: the plan_request prompt. */
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './helpers/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('the plan_request prompt', () => {
  it('bounds the plan_request prompt argument like the plan request', async () => {
    h = await startHarness();
    await expect(h.client.getPrompt({ name: 'plan_request', arguments: { request: 'r'.repeat(100_001) } })).rejects.toThrow(/request/);
    const prompt = await h.client.getPrompt({ name: 'plan_request', arguments: { request: 'r'.repeat(100_000) } });
    expect(JSON.stringify(prompt).length).toBeLessThan(200_000);
  });
});
