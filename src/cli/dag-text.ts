import type { TaskView } from './database.js';
import { STATE_MARKERS } from './format.js';

type StepView = TaskView['steps'][number];

/** Where a line of boxes wraps. */
const LINE_WIDTH = 100;

/**
 * The step numbers `show` uses: a step's place in topological order, counted from 1, the way the
 * plan a human approved numbers it ("after #2").
 */
export function stepNumbers(steps: readonly StepView[]): Map<string, number> {
  return new Map(steps.map((step, index) => [step.id, index + 1]));
}

/**
 * Each step's level: 1 for steps without dependencies, else one more than its deepest
 * dependency. Steps of one level can run at the same time. Steps come in topological order.
 */
export function stepLevels(steps: readonly StepView[]): Map<string, number> {
  const levels = new Map<string, number>();
  for (const step of steps) {
    const deepest = Math.max(0, ...step.dependsOn.map((id) => levels.get(id) ?? 0));
    levels.set(step.id, deepest + 1);
  }
  return levels;
}

/** "after #1, #3", or '' for a step that waits for nothing. */
export function afterText(step: StepView, numbers: ReadonlyMap<string, number>): string {
  const positions = step.dependsOn.map((id) => numbers.get(id) ?? 0).sort((a, b) => a - b);
  return positions.length === 0 ? '' : `after ${positions.map((p) => `#${p}`).join(', ')}`;
}

/**
 * The graph drawn by levels, top to bottom: one row of boxes per level, each box a step with its
 * state marker, its action and the steps it waits for.
 *
 *   L1  [#1 ✓ shell]  [#2 ✓ research]
 *        │
 *   L2  [#3 ✗ test ← #1 #2]
 */
export function drawLevels(steps: readonly StepView[]): string {
  const numbers = stepNumbers(steps);
  const levels = stepLevels(steps);
  const depth = Math.max(0, ...levels.values());
  const label = (level: number): string => `L${level}`.padEnd(`L${depth}`.length);
  const gutter = ' '.repeat(label(1).length);
  const lines: string[] = [];
  for (let level = 1; level <= depth; level += 1) {
    if (level > 1) lines.push(`${gutter}   │`);
    const boxes = steps.filter((step) => levels.get(step.id) === level).map((step) => box(step, numbers));
    wrap(boxes, LINE_WIDTH - gutter.length - 2).forEach((row, index) => lines.push(`${index === 0 ? label(level) : gutter}  ${row}`));
  }
  return lines.join('\n');
}

function box(step: StepView, numbers: ReadonlyMap<string, number>): string {
  const waits = step.dependsOn
    .map((id) => numbers.get(id) ?? 0)
    .sort((a, b) => a - b)
    .map((n) => `#${n}`);
  const arrow = waits.length === 0 ? '' : ` ← ${waits.join(' ')}`;
  return `[#${numbers.get(step.id)} ${STATE_MARKERS[step.state]} ${step.action}${arrow}]`;
}

/** Boxes joined two spaces apart, in rows no wider than `width` (a box wider than that gets a row of its own). */
function wrap(boxes: readonly string[], width: number): string[] {
  const rows: string[] = [];
  let row = '';
  for (const item of boxes) {
    if (row !== '' && [...row].length + 2 + [...item].length > width) {
      rows.push(row);
      row = '';
    }
    row = row === '' ? item : `${row}  ${item}`;
  }
  if (row !== '') rows.push(row);
  return rows;
}
