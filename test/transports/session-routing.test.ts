/**
 * The routing rule of running tasks (src/engine/task-channel.ts), with stand-in sessions: the
 * approving session while it is open, then the most recently active reachable one.
 */
import { describe, expect, it } from 'vitest';
import type { ClientChannel, LogLevel } from '../../src/engine/channel.js';
import { SessionRegistry } from '../../src/engine/routing/sessions.js';
import { TaskChannel } from '../../src/engine/routing/task-channel.js';
import { OrchestrateError } from '../../src/errors.js';

interface FakeSession extends ClientChannel {
  open: boolean;
  reachable: boolean;
  samples: boolean;
  logged: string[];
}

function session(id: string, options: Partial<Pick<FakeSession, 'open' | 'reachable' | 'samples'>> = {}): FakeSession {
  const fake: FakeSession = {
    id,
    open: options.open ?? true,
    reachable: options.reachable ?? true,
    samples: options.samples ?? true,
    logged: [],
    isOpen: () => fake.open,
    canReach: () => fake.open && fake.reachable,
    canSample: () => fake.open && fake.samples,
    sample: async () => {
      if (!fake.reachable) throw new OrchestrateError('SAMPLING_UNAVAILABLE', 'SAMPLING_UNAVAILABLE: no stream');
      return `answer from ${id}`;
    },
    log: (_level: LogLevel, data) => {
      fake.logged.push(String(data['event']));
    },
  };
  return fake;
}

const signal = new AbortController().signal;
const ask = (channel: ClientChannel) => channel.sample({ messages: [{ role: 'user', content: 'q' }] }, signal);

describe('TaskChannel routing', () => {
  it('keeps to the approving session while it is open, even when another one was active more recently', async () => {
    const registry = new SessionRegistry();
    const approver = session('approver');
    const other = session('other');
    registry.attach(approver);
    registry.attach(other);
    registry.touch(other.id);
    const channel = new TaskChannel(approver, registry);
    expect(await ask(channel)).toBe('answer from approver');
    channel.log('info', { event: 'step_started' });
    expect(approver.logged).toEqual(['step_started']);
    expect(other.logged).toEqual([]);
  });

  it('fails fast with SAMPLING_UNAVAILABLE while the open approving session cannot be reached', async () => {
    const registry = new SessionRegistry();
    const approver = session('approver', { reachable: false });
    registry.attach(approver);
    registry.attach(session('other'));
    const channel = new TaskChannel(approver, registry);
    expect(channel.canSample()).toBe(true);
    await expect(ask(channel)).rejects.toMatchObject({ code: 'SAMPLING_UNAVAILABLE' });
  });

  it('moves to the most recently active reachable session that can sample once the approver has closed', async () => {
    const registry = new SessionRegistry();
    const approver = session('approver');
    const older = session('older');
    const newer = session('newer', { samples: false });
    const unreachable = session('unreachable', { reachable: false });
    for (const s of [approver, older, newer, unreachable]) registry.attach(s);
    registry.touch(unreachable.id);
    const channel = new TaskChannel(approver, registry);
    approver.open = false;
    registry.detach(approver);

    expect(await ask(channel)).toBe('answer from older');
    channel.log('info', { event: 'step_completed' });
    expect(newer.logged).toEqual(['step_completed']);
    registry.touch(older.id);
    channel.log('info', { event: 'step_failed' });
    expect(older.logged).toEqual(['step_failed']);
  });

  it('with no session left, sampling fails with SAMPLING_UNAVAILABLE and logs go nowhere', async () => {
    const registry = new SessionRegistry();
    const approver = session('approver');
    registry.attach(approver);
    const channel = new TaskChannel(approver, registry);
    approver.open = false;
    registry.detach(approver);
    expect(channel.canSample()).toBe(true);
    await expect(ask(channel)).rejects.toThrow(/SAMPLING_UNAVAILABLE/);
    channel.log('info', { event: 'step_started' });
    expect(approver.logged).toEqual([]);
  });

  it('a task approved without sampling stays without an LLM when its client leaves and nobody else samples', () => {
    const registry = new SessionRegistry();
    const approver = session('approver', { samples: false });
    registry.attach(approver);
    const channel = new TaskChannel(approver, registry);
    approver.open = false;
    registry.detach(approver);
    expect(channel.isOpen()).toBe(false);
    expect(channel.canSample()).toBe(false);
  });
});
