import { systemClock, type Clock } from '../clock.js';
import type { RequestExtra } from './extra.js';

const PROGRESS_EVERY_MS = 5_000;

/**
 * Waits inside a request, sending a progress heartbeat every few seconds when the client sent a
 * progress token: hosts that cut silent calls keep this one alive while a task or a human is slow.
 */
export async function whileWaiting<T>(
  extra: RequestExtra,
  message: string,
  wait: () => Promise<T>,
  clock: Clock = systemClock,
): Promise<T> {
  const token = extra._meta?.progressToken;
  if (token === undefined) return wait();
  let beat = 0;
  const stop = clock.every(PROGRESS_EVERY_MS, () => {
    beat += 1;
    extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: beat, message } }).catch(() => {});
  });
  try {
    return await wait();
  } finally {
    stop();
  }
}
