/**
 * What the resource tests observe: JSON reads, the notifications a client received, and one
 * timeline that interleaves the engine's phase/step events with the updates a client receives.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ResourceListChangedNotificationSchema, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'vitest';
import type { Harness } from '../helpers/harness.js';

export async function readJson<T = Record<string, any>>(client: Client, uri: string): Promise<T> {
  const { contents } = await client.readResource({ uri });
  expect(contents).toHaveLength(1);
  const [content] = contents as Array<{ uri: string; mimeType?: string; text?: string }>;
  expect(content).toMatchObject({ uri, mimeType: 'application/json' });
  return JSON.parse(content?.text ?? 'null') as T;
}

export interface Inbox {
  updated: string[];
  listChanged: number;
}

/** Records the resource notifications one client receives. */
export function inbox(client: Client): Inbox {
  const box: Inbox = { updated: [], listChanged: 0 };
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
    box.updated.push(n.params.uri);
  });
  client.setNotificationHandler(ResourceListChangedNotificationSchema, () => {
    box.listChanged += 1;
  });
  return box;
}

export type Mark =
  | { kind: 'phase'; taskId: string; phase: string }
  | { kind: 'step'; taskId: string; stepId: string; state: string }
  | { kind: 'updated'; uri: string };

/**
 * Engine events are recorded when they happen (synchronously, in the recorder), updates when the
 * client receives them, so the order of the marks is the order a subscriber lives through.
 */
export function timeline(h: Harness, client: Client): Mark[] {
  const marks: Mark[] = [];
  h.app.engine.events.on('phase', (e) => marks.push({ kind: 'phase', taskId: e.taskId, phase: e.to }));
  h.app.engine.events.on('step', (e) => marks.push({ kind: 'step', taskId: e.taskId, stepId: e.stepId, state: e.run.state }));
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
    marks.push({ kind: 'updated', uri: n.params.uri });
  });
  return marks;
}

/** The marks about one task and the updates of one URI. */
export function marksOf(marks: readonly Mark[], taskId: string, uri: string): Mark[] {
  return marks.filter((m) => (m.kind === 'updated' ? m.uri === uri : m.taskId === taskId));
}

/** Phase changes not followed by an update of their own (each update answers one earlier change). */
export function phasesWithoutUpdate(marks: readonly Mark[]): string[] {
  const open: string[] = [];
  for (const mark of marks) {
    if (mark.kind === 'phase') open.push(mark.phase);
    else if (mark.kind === 'updated') open.shift();
  }
  return open;
}

export function phasesIn(marks: readonly Mark[]): string[] {
  return marks.flatMap((m) => (m.kind === 'phase' ? [m.phase] : []));
}

export const taskUri = (taskId: string): string => `orchestrate://tasks/${taskId}`;
export const auditUri = (taskId: string): string => `orchestrate://tasks/${taskId}/audit`;
