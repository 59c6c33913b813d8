import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { Engine } from '../engine/engine.js';
import type { Task } from '../engine/model.js';
import type { PhaseChange } from '../engine/run/writer.js';
import { resourceNotFound } from './read.js';
import { UpdateScheduler } from './scheduler.js';
import { auditUri, BUDGETS_URI, parseResourceUri, TASKS_URI, taskUri } from './uris.js';

/** Step-level changes of one task reach a subscriber at most this often. */
export const UPDATE_WINDOW_MS = 50;

/**
 * One session's resource subscriptions: the URIs it subscribed to, fed by the engine's recorder.
 * Lives as long as the session; `close()` detaches it from the shared recorder.
 */
export class ResourceSubscriptions {
  readonly #mcp: McpServer;
  readonly #engine: Engine;
  readonly #uris = new Set<string>();
  readonly #scheduler: UpdateScheduler;
  #listChangedQueued = false;
  #closed = false;

  constructor(mcp: McpServer, engine: Engine, windowMs = UPDATE_WINDOW_MS) {
    this.#mcp = mcp;
    this.#engine = engine;
    this.#scheduler = new UpdateScheduler((uri) => this.#sendUpdated(uri), windowMs);
    engine.events.on('change', this.#onChange);
    engine.events.on('phase', this.#onPhase);
  }

  /** Adds a subscription; an unknown URI or task is a protocol error, so the client learns at once. */
  async subscribe(uri: string): Promise<void> {
    const ref = parseResourceUri(uri);
    if (!ref) throw new McpError(ErrorCode.InvalidParams, `Resource ${uri} not found: not an orchestrate resource`, { uri });
    if ('taskId' in ref && !(await this.#engine.exists(ref.taskId))) {
      throw resourceNotFound(uri, `No task has id ${ref.taskId}.`);
    }
    this.#uris.add(ref.uri);
  }

  unsubscribe(uri: string): void {
    this.#uris.delete(parseResourceUri(uri)?.uri ?? uri);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#engine.events.off('change', this.#onChange);
    this.#engine.events.off('phase', this.#onPhase);
    this.#scheduler.close();
    this.#uris.clear();
  }

  // Spend changes as tasks run, so a change of any task may be news for the budgets resource.
  readonly #onChange = (task: Task): void => {
    for (const uri of [taskUri(task.id), auditUri(task.id), BUDGETS_URI]) {
      if (this.#uris.has(uri)) this.#scheduler.later(uri);
    }
  };

  // Every phase change gets its own update of the task, its audit and the list, never coalesced away.
  readonly #onPhase = (change: PhaseChange): void => {
    for (const uri of [taskUri(change.taskId), auditUri(change.taskId), TASKS_URI]) {
      if (this.#uris.has(uri)) this.#scheduler.now(uri);
    }
    if (change.from === 'none') this.#queueListChanged();
  };

  /** A new task is a new entry in resources/list: tell every session, subscribed or not. */
  #queueListChanged(): void {
    if (this.#listChangedQueued) return;
    this.#listChangedQueued = true;
    queueMicrotask(() => {
      this.#listChangedQueued = false;
      if (this.#ready()) this.#mcp.server.sendResourceListChanged().catch(() => {});
    });
  }

  #sendUpdated(uri: string): void {
    if (this.#ready()) this.#mcp.server.sendResourceUpdated({ uri }).catch(() => {});
  }

  /** Connected and initialized: nothing goes out before the client's initialize request. */
  #ready(): boolean {
    return !this.#closed && this.#mcp.isConnected() && this.#mcp.server.getClientCapabilities() !== undefined;
  }
}
