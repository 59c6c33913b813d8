/**
 * The web view's budget section in headless Chromium: a task's spend and today's, one row per
 * budget, against the configured limits ("unlimited" where none is set). A screenshot is kept in
 * test/artifacts/.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterEach, expect, it } from 'vitest';
import { startWebServer, type WebServer } from './support.js';

const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');
const CHROMIUM = '/usr/bin/chromium';

let server: WebServer | undefined;
let profile: string | undefined;
afterEach(async () => {
  await server?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  server = undefined;
  profile = undefined;
});

it('shows spend against each budget of the task and of today', async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`the browser test needs Chromium at ${CHROMIUM}`);
  server = await startWebServer({ budgets: { perTask: { tokens: 5_000, wallSeconds: 60 }, perDay: { tokens: 100_000, delegations: 10 } } });
  profile = mkdtempSync(join(tmpdir(), 'orchestrate-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    viewport: { width: 1280, height: 900 },
  });
  try {
    const planned = await server.plan('say hello', [{ description: 'Say hello', action: 'shell', command: 'echo hello' }]);
    const page = await browser.newPage();
    await page.goto(server.loginLink());
    await page.goto(`${server.base}/?task=${planned.taskId}`);
    const section = page.locator('section[aria-labelledby="budget-title"]');
    await section.waitFor();
    const rows = await section
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('th, td')].map((cell) => (cell.textContent ?? '').trim())));
    const today = new Date().toISOString().slice(0, 10);
    expect(rows).toEqual([
      ['This task: tokens', '0', '5,000', '5,000'],
      ['This task: wall time', '0 s', '60 s', '60 s'],
      ['This task: delegations', '0', 'unlimited', '—'],
      [`Today (${today}, UTC): tokens`, '0', '100,000', '100,000'],
      [`Today (${today}, UTC): wall time`, '0 s', 'unlimited', '—'],
      [`Today (${today}, UTC): delegations`, '0', '10', '10'],
    ]);
    mkdirSync(ARTIFACTS, { recursive: true });
    await section.screenshot({ path: join(ARTIFACTS, 'task-budget.png') });
  } finally {
    await browser.close();
  }
}, 60_000);
