/**
 * A TypeScript folder loaded after JavaScript-only folders in the same process: tsx's hooks then
 * come after the ones the first load registered, and zod must still be the server's own. A file of
 * its own, so that the first load of this process is the JavaScript one.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { z } from 'zod';
import type { ActionContext } from '../../src/plugins/api.js';
import { loadPluginDirs } from '../../src/plugins/loader.js';

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'plugins');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchestrate-late-ts-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('gives a TypeScript plugin loaded after a JavaScript-only folder the server zod', async () => {
  writeFileSync(
    join(dir, 'plain.mjs'),
    "import { z } from 'zod';\nexport default { apiVersion: 1, name: 'plain', description: 'Plain.', tier: 'read', input: z.object({}), run: async () => ({ summary: 'plain' }) };\n",
  );
  const [plain] = await loadPluginDirs([dir]);
  expect(plain?.plugin.name).toBe('plain');
  expect((plain?.plugin.input as object).constructor).toBe(z.ZodObject);

  const [loud] = await loadPluginDirs([join(FIXTURES, 'ts-two-files')]);
  expect(await loud?.plugin.run({ text: 'late', volume: 1 }, {} as ActionContext)).toMatchObject({ summary: 'LATE!' });
  expect((loud?.plugin.input as object).constructor).toBe(z.ZodObject);
});
