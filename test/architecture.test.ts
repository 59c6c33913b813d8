/**
 * The layout stays true without anyone remembering it: the engine names no built-in action, the
 * public plugin API imports no engine code, and the lint rules that guard layers and cycles fire.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { TIERS } from '../src/engine/model.js';
import { builtinPlugins } from '../src/plugins/builtins.js';

const root = fileURLToPath(new URL('..', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** The code of a file without its comments, so prose may still mention an action. */
function code(path: string): string {
  return readFileSync(path, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:])\/\/.*$/gm, '$1');
}

describe('architecture', () => {
  it('keeps the engine free of built-in action names (plugins describe themselves)', () => {
    // "execute" is a tier as well as an action; the ctx.notify log event is named after the context door.
    const names = builtinPlugins()
      .map((plugin) => plugin.name)
      .filter((name) => !(TIERS as readonly string[]).includes(name));
    const found: string[] = [];
    for (const file of sources(join(root, 'src', 'engine'))) {
      for (const name of names) {
        for (const match of code(file).matchAll(new RegExp(`(['"\`])${name}\\1`, 'g'))) {
          const line = code(file).slice(0, match.index).split('\n').length;
          const text = code(file).split('\n')[line - 1] ?? '';
          if (!text.includes("event: 'notify'")) found.push(`${relative(root, file)}:${line} "${name}"`);
        }
      }
    }
    expect(found).toEqual([]);
  });

  it('keeps the public plugin API free of engine imports', () => {
    expect(readFileSync(join(root, 'src', 'plugins', 'api.ts'), 'utf8')).not.toMatch(/from '\.\.\/engine\//);
  });

  it('has lint rules that refuse an import against the layers', async () => {
    const eslint = new ESLint({ cwd: root });
    const lint = async (file: string, text: string) => (await eslint.lintText(text, { filePath: join(root, file) }))[0]?.messages ?? [];
    const engineToStore = await lint(
      'src/engine/probe.ts',
      "import { SqliteTaskStore } from '../store/task-store.js';\nexport const x = SqliteTaskStore;\n",
    );
    expect(engineToStore.map((m) => m.ruleId)).toContain('import-x/no-restricted-paths');
    const pluginToEngine = await lint('plugins/probe.ts', "import { Engine } from '../src/engine/engine.js';\nexport const x = Engine;\n");
    expect(pluginToEngine.map((m) => m.ruleId)).toContain('import-x/no-restricted-paths');
    const apiToEngine = await lint('src/plugins/api.ts', "import { Engine } from '../engine/engine.js';\nexport const x = Engine;\n");
    expect(apiToEngine.map((m) => m.ruleId)).toContain('import-x/no-restricted-paths');
    const cycle = await lint(
      'src/engine/model.ts',
      `${readFileSync(join(root, 'src/engine/model.ts'), 'utf8')}\nimport { Engine } from './engine.js';\nexport const e = Engine;\n`,
    );
    expect(cycle.map((m) => m.ruleId)).toContain('import-x/no-cycle');
    const consoleLog = await lint('src/engine/probe.ts', "console.log('hi');\nexport {};\n");
    expect(consoleLog.map((m) => m.ruleId)).toContain('no-console');
  }, 60_000);
});
