import { OrchestrateError } from '../../errors.js';
import type { ClientChannel, HumanAnswer, HumanForm, LogLevel, SampleRequest } from '../channel.js';
import type { ChannelNeed, SessionRegistry } from './sessions.js';

/**
 * The channel the engine gives a running task. Routing rule (README "Transports"): a task reports
 * to the session that approved it while that session is open, even when that client cannot be
 * reached right now (a Streamable HTTP client without its GET stream): its sampling then fails fast
 * with SAMPLING_UNAVAILABLE instead of going to a client nobody approved the task from. Once the
 * approving session has closed, every request goes to the most recently active open session that
 * can be reached (for sampling: one whose client samples; for forms: one that shows them). With
 * none, sampling fails with SAMPLING_UNAVAILABLE and logs go nowhere. Routing is decided per
 * request, so a task follows whichever client is active now.
 *
 * A task approved by a client that samples keeps counting as having an LLM after that client has
 * gone (isOpen and canSample stay true): its research and review steps then fail with
 * SAMPLING_UNAVAILABLE instead of passing as "no LLM attached" without the answer the user expected.
 */
export class TaskChannel implements ClientChannel {
  readonly id: string;
  readonly #owner: ClientChannel;
  readonly #sessions: SessionRegistry;
  readonly #ownerSamples: boolean;

  /** `samples`: the task expects an LLM even when its owner cannot sample (it was planned by a client that does). */
  constructor(owner: ClientChannel, sessions: SessionRegistry, options: { samples?: boolean } = {}) {
    this.id = owner.id;
    this.#owner = owner;
    this.#sessions = sessions;
    this.#ownerSamples = owner.canSample() || options.samples === true;
  }

  mustWaitToSample(): boolean {
    return this.#ownerSamples && !this.#owner.isOpen() && this.route('sample') === undefined;
  }

  untilSampler(signal: AbortSignal): Promise<void> {
    return this.#sessions.until('sample', signal);
  }

  /** The session a request of this kind goes to now, if any. */
  route(need: ChannelNeed): ClientChannel | undefined {
    if (this.#owner.isOpen()) return this.#owner;
    return this.#sessions.mostRecent(need, this.#owner.id);
  }

  isOpen(): boolean {
    return this.route('log') !== undefined || this.#ownerSamples;
  }

  canSample(): boolean {
    return this.route('sample')?.canSample() ?? this.#ownerSamples;
  }

  sample(request: SampleRequest, signal: AbortSignal): Promise<string> {
    const target = this.route('sample');
    if (!target) {
      return Promise.reject(
        new OrchestrateError(
          'SAMPLING_UNAVAILABLE',
          'SAMPLING_UNAVAILABLE: the session that approved this task has closed and no other connected client can sample.',
        ),
      );
    }
    return target.sample(request, signal);
  }

  log(level: LogLevel, data: Record<string, unknown>): void {
    this.route('log')?.log(level, data);
  }

  canElicit(): boolean {
    const target = this.route('elicit');
    return !!target?.elicit && (target.canElicit?.() ?? false);
  }

  elicit(form: HumanForm, options: { signal: AbortSignal; timeoutMs: number }): Promise<HumanAnswer> {
    const target = this.route('elicit');
    if (!target?.elicit) {
      return Promise.reject(
        new OrchestrateError('ELICITATION_FAILED', 'No connected client can show this form.', { details: { unreachable: true } }),
      );
    }
    return target.elicit(form, options);
  }
}
