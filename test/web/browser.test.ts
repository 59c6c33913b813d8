/**
 * The web view in headless Chromium against the real server: sign in with the one-time link,
 * approve a plan and watch it finish live, cancel a running task, confirm a destructive step,
 * and keep a screenshot of a finished task's graph in test/artifacts/.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startWebServer, type WebServer } from './support.js';

const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let server: WebServer | undefined;
let browser: BrowserContext | undefined;
let profile: string | undefined;
const pages: Page[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`the browser test needs Chromium at ${CHROMIUM} (Debian: apt-get install chromium; .ci/run does it)`);
  server = await startWebServer();
  profile = mkdtempSync(join(tmpdir(), 'orchestrate-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
  });
  // The browser reaches only this server: nothing from a CDN or elsewhere.
  await browser.route(/^(?!http:\/\/127\.0\.0\.1:)/, (route) => route.abort());
  const page = await open();
  await page.goto(server.loginLink());
  expect(new URL(page.url()).search).toBe('');
  await page.getByRole('heading', { level: 1, name: 'Tasks' }).waitFor();
}, 60_000);

afterEach(async () => {
  for (const page of pages.splice(0)) await page.close().catch(() => {});
  expect(pageErrors.splice(0)).toEqual([]);
});

afterAll(async () => {
  try {
    await browser?.close();
  } finally {
    await server?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  }
});

async function open(): Promise<Page> {
  const page = await browser!.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  pages.push(page);
  return page;
}

/** Opens a task page and waits until its live stream is connected. */
async function openTask(taskId: string): Promise<Page> {
  const page = await open();
  await page.goto(`${server!.base}/?task=${taskId}`);
  await page.locator('#connection[data-status="live"]').waitFor();
  await page.locator('#phase-badge').waitFor();
  return page;
}

const phaseText = (page: Page) => page.locator('#phase-badge').innerText();

describe('web view in a browser', () => {
  it('lists a task planned meanwhile without reloading, under its phase filter', async () => {
    const page = await open();
    await page.goto(`${server!.base}/`);
    await page.locator('#connection[data-status="live"]').waitFor();
    await page.evaluate(() => Object.assign(globalThis, { stayed: true }));
    const { taskId } = await server!.plan('Tidy the changelog', [{ description: 'say hi', action: 'plan', output: 'hi' }]);
    const link = page.getByRole('link', { name: 'Tidy the changelog' });
    await link.waitFor();
    expect(await link.getAttribute('href')).toBe(`/?task=${taskId}`);
    await page.getByRole('link', { name: 'Completed' }).click();
    await expect.poll(() => page.getByRole('link', { name: 'Completed' }).getAttribute('aria-current')).toBe('page');
    await expect.poll(() => link.count()).toBe(0);
    expect(page.url()).toBe(`${server!.base}/?phase=completed`);
    expect(await page.evaluate(() => (globalThis as { stayed?: boolean }).stayed)).toBe(true);
  });

  it('approves a plan by clicking and follows it live to completed, then keeps its graph', async () => {
    const { taskId } = await server!.plan('Build and test the project', [
      { description: 'Install dependencies', action: 'shell', command: 'echo installed' },
      { description: 'Compile the sources', action: 'shell', command: 'echo compiled', depends_on: [0] },
      { description: 'Lint the code base', action: 'shell', command: 'echo linted', depends_on: [0] },
      { description: 'Run the test suite', action: 'shell', command: 'seq 1 5000', depends_on: [1, 2] },
    ]);
    const page = await openTask(taskId);
    expect(await phaseText(page)).toContain('Awaiting approval');
    await page.evaluate(() => Object.assign(globalThis, { stayed: true }));
    await page.getByLabel('Comment').fill('ship it');
    await page.getByRole('button', { name: 'Approve plan' }).click();
    await expect.poll(() => phaseText(page), { timeout: 20_000 }).toContain('Completed');
    expect(await page.evaluate(() => (globalThis as { stayed?: boolean }).stayed)).toBe(true);
    await expect.poll(() => page.locator('#announcer').innerText()).toContain('Task completed.');

    // The graph: one node per step, columns by dependency depth, states in words, a text alternative.
    const svg = page.getByRole('img', { name: 'Plan graph' });
    expect(await svg.locator('desc').textContent()).toContain('4 steps in 3 columns');
    const columns = await page
      .locator('svg.dag .node')
      .evaluateAll((nodes) => nodes.map((n) => [n.getAttribute('data-step'), n.getAttribute('data-column')]));
    expect(Object.fromEntries(columns)).toEqual({ s1: '0', s2: '1', s3: '1', s4: '2' });
    expect(await page.locator('svg.dag .edge.edge-met').count()).toBe(4);
    expect(await page.locator('svg.dag .node-state').allTextContents()).toEqual(['Completed', 'Completed', 'Completed', 'Completed']);
    expect(await page.locator('#step-s4').innerText()).toMatch(/Completed[\s\S]*Depends on\s+s2, s3/);
    await page.locator('#step-s4 summary', { hasText: 'Output' }).click();
    await page.getByRole('button', { name: /Show all of stdout/ }).click();
    await expect.poll(() => page.locator('#step-s4 pre.output').innerText()).toMatch(/\n5000\s*$/);
    const approval = page.locator('table.audit tr', { hasText: 'plan approved' });
    expect(await approval.innerText()).toContain('a person (web view)');

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.locator('#dag').screenshot({ path: join(ARTIFACTS, 'dag.png') });
    await page.screenshot({ path: join(ARTIFACTS, 'task.png'), fullPage: true });
  });

  it('cancels a running task by clicking', async () => {
    const { taskId, planHash } = await server!.plan('Wait for the queue', [
      { description: 'Sleep a long time', action: 'shell', command: 'sleep 60' },
    ]);
    const page = await openTask(taskId);
    await page.getByRole('button', { name: 'Approve plan' }).click();
    await expect.poll(() => page.locator('#step-s1').getAttribute('data-state'), { timeout: 10_000 }).toBe('running');
    expect(planHash).toBe(await page.locator('#plan-hash').innerText());
    await page.getByRole('button', { name: 'Cancel task…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Cancel this task?' });
    await dialog.getByLabel('Reason').fill('queue is empty');
    await dialog.getByRole('button', { name: 'Cancel task' }).click();
    await expect.poll(() => phaseText(page), { timeout: 10_000 }).toContain('Cancelled');
    expect(await dialog.isVisible()).toBe(false);
    expect(await page.locator('#step-s1').innerText()).toContain('cancelled by a person in the web view: queue is empty');
    expect(await page.getByRole('button', { name: 'Cancel task…' }).count()).toBe(0);
  });

  it('confirms a destructive step by clicking', async () => {
    const { taskId } = await server!.plan('Reset the scratch database', [
      { description: 'Drop the scratch table', action: 'shell', command: 'echo dropped', tier: 'destructive' },
      { description: 'Recreate it', action: 'plan', output: 'recreated', depends_on: [0] },
    ]);
    const page = await openTask(taskId);
    await page.getByRole('button', { name: 'Approve plan' }).click();
    const confirm = page.getByRole('button', { name: 'Confirm step s1' });
    await confirm.waitFor({ timeout: 10_000 });
    expect(await page.locator('svg.dag .node[data-step="s1"] .node-state').textContent()).toBe('Awaiting confirmation');
    await confirm.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => phaseText(page), { timeout: 10_000 }).toContain('Completed');
    expect(await page.locator('#step-s1').getAttribute('data-state')).toBe('completed');
    const confirmation = page.locator('table.audit tr', { hasText: 'step confirmed' });
    expect(await confirmation.innerText()).toContain('a person (web view)');
  });
});
