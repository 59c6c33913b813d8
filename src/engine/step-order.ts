/**
 * The deterministic order of step ids: digit runs compare by value ("s2" before "s10"), the rest by
 * UTF-16 code units; and a heap that yields ids in that order.
 */

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function digitRunEnd(text: string, start: number): number {
  let end = start;
  while (end < text.length && isDigit(text.charCodeAt(end))) end += 1;
  return end;
}

/** Compares two digit runs by numeric value without parsing, so runs of any length work. */
function compareDigitRuns(a: string, aStart: number, aEnd: number, b: string, bStart: number, bEnd: number): number {
  while (aStart < aEnd - 1 && a.charCodeAt(aStart) === 48) aStart += 1;
  while (bStart < bEnd - 1 && b.charCodeAt(bStart) === 48) bStart += 1;
  const lengthDiff = aEnd - aStart - (bEnd - bStart);
  if (lengthDiff !== 0) return lengthDiff < 0 ? -1 : 1;
  for (; aStart < aEnd; aStart += 1, bStart += 1) {
    const diff = a.charCodeAt(aStart) - b.charCodeAt(bStart);
    if (diff !== 0) return diff < 0 ? -1 : 1;
  }
  return 0;
}

/**
 * Natural order for step ids: digit runs compare by value ("s2" < "s10"), everything else by
 * UTF-16 code unit. Ids equal up to leading zeros ("s01", "s1") fall back to plain code-unit
 * order so this stays a total order and the topological order is the same on every call.
 */
export function compareStepIds(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(j);
    if (isDigit(ca) && isDigit(cb)) {
      const endA = digitRunEnd(a, i);
      const endB = digitRunEnd(b, j);
      const byValue = compareDigitRuns(a, i, endA, b, j, endB);
      if (byValue !== 0) return byValue;
      i = endA;
      j = endB;
    } else {
      if (ca !== cb) return ca < cb ? -1 : 1;
      i += 1;
      j += 1;
    }
  }
  if (i < a.length) return 1;
  if (j < b.length) return -1;
  return a < b ? -1 : 1;
}

/** Binary min-heap of step ids; Kahn's algorithm needs O(log n) pops to stay O(n log n). */
export class IdHeap {
  private readonly items: string[] = [];

  get size(): number {
    return this.items.length;
  }

  push(id: string): void {
    const items = this.items;
    let index = items.push(id) - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const parentId = items[parent] as string;
      if (compareStepIds(parentId, id) <= 0) break;
      items[index] = parentId;
      index = parent;
    }
    items[index] = id;
  }

  pop(): string | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= items.length) break;
      const right = left + 1;
      let child = left;
      if (right < items.length && compareStepIds(items[right] as string, items[left] as string) < 0) child = right;
      const childId = items[child] as string;
      if (compareStepIds(last, childId) <= 0) break;
      items[index] = childId;
      index = child;
    }
    items[index] = last;
    return top;
  }
}
