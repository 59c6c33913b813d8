import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The temporary places one demo run uses: the server's database and the project it inspects. */
export interface DemoDirs {
  root: string;
  db: string;
  workdir: string;
  remove(): void;
}

/** The orchestrate-mcp checkout, found upwards from this file (dist/demo/ once compiled, demo/ under tsx). */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'bin', 'orchestrate-mcp.js'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('could not find bin/orchestrate-mcp.js above the demo');
    dir = parent;
  }
}

/** A fresh state directory and a small TypeScript project whose CI script points at a missing file. */
export function createDemoDirs(): DemoDirs {
  const root = mkdtempSync(join(tmpdir(), 'orchestrate-demo-'));
  const workdir = join(root, 'acme-widgets');
  mkdirSync(join(workdir, 'src'), { recursive: true });
  writeJson(join(workdir, 'package.json'), {
    name: 'acme-widgets',
    version: '1.4.0',
    type: 'module',
    scripts: { build: 'tsc -p tsconfig.json', 'typecheck:ci': 'tsc -p tsconfig.strict.json --noEmit' },
    devDependencies: { typescript: '^5.9.3', '@types/node': '^20.19.0' },
  });
  writeJson(join(workdir, 'tsconfig.json'), {
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noUncheckedIndexedAccess: true,
      outDir: 'dist',
    },
    include: ['src'],
  });
  writeFileSync(join(workdir, 'src', 'index.ts'), 'export const greet = (name: string): string => `Hello, ${name}!`;\n');
  return {
    root,
    db: join(root, 'state.db'),
    workdir,
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}
