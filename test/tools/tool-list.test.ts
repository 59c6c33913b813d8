/**
 * `tools/list` is answered from entries converted once per process: they must be exactly what the
 * SDK's own conversion of the same tools gives, for every session, every time.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { registerTool, type ToolServices } from '../../src/tools/definition.js';
import { TOOLS } from '../../src/tools/index.js';
import { startHarness, type Harness } from '../helpers/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The same tools registered on a bare SDK server, listed by the SDK's own handler. */
async function listedBySdk(): Promise<unknown[]> {
  const mcp = new McpServer({ name: 'sdk-only', version: '0' });
  for (const tool of TOOLS) registerTool(mcp, tool, {} as ToolServices);
  const client = new Client({ name: 'probe', version: '0' });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await Promise.all([mcp.connect(serverSide), client.connect(clientSide)]);
  try {
    return (await client.listTools()).tools;
  } finally {
    await client.close();
    await mcp.close();
  }
}

describe('tools/list', () => {
  it('lists every tool exactly as the SDK converts it, in every session and on every call', async () => {
    h = await startHarness();
    const expected = await listedBySdk();
    expect(expected.map((tool) => (tool as { name: string }).name)).toEqual(TOOLS.map((tool) => tool.name));
    expect((await h.client.listTools()).tools).toEqual(expected);
    expect((await h.client.listTools()).tools).toEqual(expected);
    const second = await h.connectClient();
    expect((await second.listTools()).tools).toEqual(expected);
    for (const tool of (await second.listTools()).tools) {
      expect(tool.inputSchema.type).toBe('object');
      expect(tool.outputSchema?.type).toBe('object');
    }
  });
});
