/** Cold-start timing over stdio: spawn → initialize → tools/list answered, for any server command. */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

export interface SpawnSpec {
  args: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
}

/** Milliseconds from spawn to the tools/list answer; the server is killed right after. */
export function timeToToolsList(spec: SpawnSpec): Promise<number> {
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(process.execPath, spec.args, { cwd: spec.cwd, env: spec.env ?? process.env, stdio: ['pipe', 'pipe', 'ignore'] });
    let buffer = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffer += chunk;
      for (const line of buffer.split('\n').slice(0, -1)) {
        const message = JSON.parse(line) as { id?: number };
        if (message.id === 1) {
          child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
          child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' })}\n`);
        }
        if (message.id === 2) {
          const elapsed = performance.now() - started;
          child.kill('SIGKILL');
          child.once('exit', () => done(elapsed));
        }
      }
      buffer = buffer.slice(buffer.lastIndexOf('\n') + 1);
    });
    child.on('error', fail);
    child.stdin.write(
      `${JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } },
      })}\n`,
    );
  });
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** A bare SDK server with four trivial tools, the anchor every cold start is compared with. */
export const BARE_SERVER = `
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';
const mcp = new McpServer({ name: 'bare', version: '1.0.0' });
for (const name of ['a', 'b', 'c', 'd']) {
  mcp.registerTool(name, { description: name, inputSchema: { x: z.string() } }, async () => ({ content: [] }));
}
await mcp.connect(new StdioServerTransport());
`;
