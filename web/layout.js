/**
 * Layered layout of a plan's DAG, left to right: a step's column is the length of the longest
 * dependency chain before it; within a column, steps sit near the mean row of what they depend on.
 */

export const NODE = { width: 216, height: 72, gapX: 72, gapY: 18, pad: 12 };

/** `steps`: [{ id, dependsOn }] in topological order. Returns node boxes, edges and the drawing's size. */
export function layoutDag(steps) {
  const byId = new Map(steps.map((step) => [step.id, step]));
  const depth = new Map();
  for (const step of steps) {
    const deps = step.dependsOn.filter((d) => byId.has(d));
    depth.set(step.id, deps.length === 0 ? 0 : 1 + Math.max(...deps.map((d) => depth.get(d) ?? 0)));
  }
  const columns = [];
  for (const step of steps) (columns[depth.get(step.id)] ??= []).push(step.id);
  const row = new Map();
  columns.forEach((ids) => ids.forEach((id, i) => row.set(id, i)));
  // Two sweeps of the barycentre heuristic: order each column by where its dependencies sit.
  for (let sweep = 0; sweep < 2; sweep += 1) {
    for (const ids of columns.slice(1)) {
      const centre = (id) => {
        const deps = byId.get(id).dependsOn.filter((d) => row.has(d));
        return deps.reduce((sum, d) => sum + row.get(d), 0) / Math.max(1, deps.length);
      };
      ids.sort((a, b) => centre(a) - centre(b) || row.get(a) - row.get(b));
      ids.forEach((id, i) => row.set(id, i));
    }
  }
  const tallest = Math.max(1, ...columns.map((ids) => ids.length));
  const height = NODE.pad * 2 + tallest * NODE.height + (tallest - 1) * NODE.gapY;
  const nodes = [];
  columns.forEach((ids, column) => {
    const used = ids.length * NODE.height + (ids.length - 1) * NODE.gapY;
    const top = (height - used) / 2;
    ids.forEach((id, i) => {
      nodes.push({ id, column, x: NODE.pad + column * (NODE.width + NODE.gapX), y: top + i * (NODE.height + NODE.gapY) });
    });
  });
  const edges = steps.flatMap((step) => step.dependsOn.filter((d) => byId.has(d)).map((from) => ({ from, to: step.id })));
  const width = NODE.pad * 2 + columns.length * NODE.width + Math.max(0, columns.length - 1) * NODE.gapX;
  return { nodes, edges, width, height, columns: columns.length };
}
