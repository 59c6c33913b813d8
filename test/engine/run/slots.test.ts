import { describe, expect, it } from 'vitest';
import { Slots } from '../../../src/engine/run/slots.js';

describe('Slots', () => {
  it('grants up to the limit, then serves waiters in arrival order as slots are released', async () => {
    const slots = new Slots(2);
    const signal = new AbortController().signal;
    const a = await slots.acquire(signal);
    const b = await slots.acquire(signal);
    expect(slots.inUse).toBe(2);
    const order: string[] = [];
    const c = slots.acquire(signal).then((release) => (order.push('c'), release));
    const d = slots.acquire(signal).then((release) => (order.push('d'), release));
    a?.();
    const releaseC = await c;
    expect(order).toEqual(['c']);
    expect(slots.inUse).toBe(2);
    b?.();
    const releaseD = await d;
    expect(order).toEqual(['c', 'd']);
    releaseC?.();
    releaseC?.();
    expect(slots.inUse).toBe(1);
    releaseD?.();
    expect(slots.inUse).toBe(0);
  });

  it('drops a waiter whose signal aborts, and the slot goes to the next one', async () => {
    const slots = new Slots(1);
    const held = await slots.acquire(new AbortController().signal);
    const cancelled = new AbortController();
    const gone = slots.acquire(cancelled.signal);
    const next = slots.acquire(new AbortController().signal);
    cancelled.abort();
    expect(await gone).toBeUndefined();
    held?.();
    const release = await next;
    expect(release).toBeTypeOf('function');
    release?.();
    expect(slots.inUse).toBe(0);
  });
});
