/**
 * Compares this tree's bench figures with an earlier commit's, in the same run: builds the commit
 * in a temporary git worktree (sharing this node_modules), then alternates the two builds' engine,
 * cancel, cold-start and bridge benches for several rounds and prints the medians side by side.
 * Alternating keeps a noisy machine from favouring either side. Usage:
 *
 *   npm run bench:compare -- <commit> [rounds]      (default: HEAD~1, 5 rounds)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './stdio-timing.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ref = process.argv[2] ?? 'HEAD~1';
const rounds = Number(process.argv[3] ?? 5);

/** One figure of one bench line, by its label: µs per step of an engine scenario, or ms of a start. */
type Figures = Map<string, number>;

function parse(output: string): Figures {
  const figures: Figures = new Map();
  for (const line of output.split('\n')) {
    const step = /^(\S+)\s+\d+ steps\s+\d+ ms\s+([\d.]+) µs\/step.*status ([\d.]+) ms/.exec(line);
    if (step) {
      figures.set(`${step[1]} µs/step`, Number(step[2]));
      figures.set(`${step[1]} status ms`, Number(step[3]));
    }
    const cold = /orchestrate-mcp --inline (\d+) ms, bare SDK server (\d+) ms/.exec(line);
    if (cold) {
      figures.set('cold start --inline ms', Number(cold[1]));
      figures.set('cold start, bare SDK server ms', Number(cold[2]));
    }
    const tsx = /TypeScript plugin \(tsx\): (\d+) ms/.exec(line);
    if (tsx) figures.set('cold start with a TypeScript plugin ms', Number(tsx[1]));
    const bridge = /^\s+bridge, (runner up|runner must be started)\s+(\d+) ms/.exec(line);
    if (bridge) figures.set(`bridge, ${bridge[1]} ms`, Number(bridge[2]));
    const cancel = /task cancelled after ([\d.]+) ms, child process gone after ([\d.]+) ms/.exec(line);
    if (cancel) {
      figures.set('cancel: task settled ms', Number(cancel[1]));
      figures.set('cancel: process gone ms', Number(cancel[2]));
    }
  }
  return figures;
}

function benchOf(dir: string): Figures {
  const env = { ...process.env, COLD_START_RUNS: process.env.COLD_START_RUNS ?? '5' };
  const run = (script: string): string =>
    execFileSync(process.execPath, [join('dist', 'bench', script)], { cwd: dir, env, encoding: 'utf8' });
  return parse(run('engine.js') + run('cancel.js') + run('cold-start.js') + run('bridge.js'));
}

const worktree = mkdtempSync(join(tmpdir(), 'orchestrate-compare-'));
try {
  execFileSync('git', ['worktree', 'add', '--detach', worktree, ref], { cwd: root, stdio: 'ignore' });
  symlinkSync(join(root, 'node_modules'), join(worktree, 'node_modules'));
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
    cwd: worktree,
    stdio: 'inherit',
  });
  if (!existsSync(join(worktree, 'dist', 'bench', 'engine.js'))) throw new Error(`${ref} has no bench/engine.ts to compare with`);
  const samples = { before: [] as Figures[], now: [] as Figures[] };
  for (let round = 1; round <= rounds; round += 1) {
    process.stderr.write(`round ${round} of ${rounds}\n`);
    samples.before.push(benchOf(worktree));
    samples.now.push(benchOf(root));
  }
  const labels = [...new Set(samples.now.flatMap((figures) => [...figures.keys()]))];
  const width = Math.max(...labels.map((label) => label.length));
  const lines = [`medians of ${rounds} alternating rounds; ${ref} (before) → this tree (now); lower is better`];
  for (const label of labels) {
    const of = (side: Figures[]): number[] => side.flatMap((figures) => (figures.has(label) ? [figures.get(label) as number] : []));
    const before = of(samples.before);
    const now = median(of(samples.now));
    if (before.length === 0) {
      lines.push(`${label.padEnd(width)}  ${'—'.padStart(9)}  ${now.toFixed(1).padStart(9)}`);
      continue;
    }
    const was = median(before);
    lines.push(`${label.padEnd(width)}  ${was.toFixed(1).padStart(9)}  ${now.toFixed(1).padStart(9)}  ×${(now / was).toFixed(2)}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  execFileSync('git', ['worktree', 'remove', '--force', worktree], { cwd: root, stdio: 'ignore' });
  rmSync(worktree, { recursive: true, force: true });
}
