import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { RootsListChangedNotificationSchema, type ListRootsResult } from '@modelcontextprotocol/sdk/types.js';
import { fileURLToPath } from 'node:url';

/** How long a client may take to list its roots before planning goes on without them. */
const ROOTS_TIMEOUT_MS = 10_000;

/** Lists the roots through the current tool call's own stream (so HTTP routes the request there). */
export type SendRootsRequest = (timeoutMs: number) => Promise<ListRootsResult>;

/**
 * The client's workspace roots (MCP `roots/list`), as directory paths: asked for once the client
 * has initialized, cached, and asked again when it says they changed. Clients without the roots
 * capability have none (undefined), and so does a client that does not answer.
 */
export class ClientRoots {
  readonly #mcp: McpServer;
  #cached: Promise<string[] | undefined> | undefined;

  constructor(mcp: McpServer) {
    this.#mcp = mcp;
    mcp.server.setNotificationHandler(RootsListChangedNotificationSchema, () => {
      this.#cached = undefined;
      if (this.supported()) void this.get();
    });
  }

  supported(): boolean {
    return !!this.#mcp.server.getClientCapabilities()?.roots;
  }

  /** The roots, from the cache or asked now (through `send` when inside a tool call). */
  get(send?: SendRootsRequest): Promise<string[] | undefined> {
    if (!this.supported()) return Promise.resolve(undefined);
    if (this.#cached) return this.#cached;
    const ask = send ?? ((timeout: number) => this.#mcp.server.listRoots(undefined, { timeout }));
    const pending = ask(ROOTS_TIMEOUT_MS).then(
      (result) => directories(result),
      () => {
        // Not cached: the next plan asks again.
        if (this.#cached === pending) this.#cached = undefined;
        return undefined;
      },
    );
    this.#cached = pending;
    return pending;
  }
}

/** The local directories among the roots, in the client's order (`file://` URIs only). */
function directories(result: ListRootsResult): string[] {
  const paths: string[] = [];
  for (const root of result.roots) {
    try {
      if (root.uri.startsWith('file:')) paths.push(fileURLToPath(root.uri));
    } catch {
      // A file: URI with a host or bad escapes names no local directory.
    }
  }
  return paths;
}
