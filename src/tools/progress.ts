import type { ToolExtra } from './definition.js';

const PROGRESS_EVERY_MS = 5_000;

/**
 * Waits inside a tool call, sending a progress heartbeat every few seconds when the client sent a
 * progress token: hosts that cut silent calls keep this one alive while a task or a human is slow.
 */
export async function whileWaiting<T>(extra: ToolExtra, message: string, wait: () => Promise<T>): Promise<T> {
  const token = extra._meta?.progressToken;
  if (token === undefined) return wait();
  let beat = 0;
  const timer = setInterval(() => {
    beat += 1;
    extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: beat, message } }).catch(() => {});
  }, PROGRESS_EVERY_MS);
  try {
    return await wait();
  } finally {
    clearInterval(timer);
  }
}
