/**
 * Shared checks of the tool suites: a result's text, the SDK's schema error naming a field, and
 * our coded errors with a hint.
 */
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'vitest';
import { errorCode, type Harness } from '../helpers/harness.js';

/** A tool's schema case: tool, what is wrong, the arguments, the field the error must name. */
export type SchemaCase = [string, string, Record<string, unknown>, string];

export const planStep = (description = 'Write it down', output = 'text') => ({ description, action: 'plan', output });
export const steps = (n: number) => Array.from({ length: n }, (_, i) => planStep(`step ${i}`));

/** The seed's `test_steps()`: s1 research "test" (read), s2 execute "echo hello" after s1. */
export const SEED_STEPS = [
  { description: 'Research the test topic', action: 'research', query: 'test', tier: 'read' },
  { description: 'Test that echo works', action: 'execute', command: 'echo hello', depends_on: [0] },
];

export function text(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

export function expectSchemaError(result: CallToolResult, tool: string, field: string): void {
  expect(result.isError, text(result)).toBe(true);
  expect(text(result)).toContain(`Input validation error: Invalid arguments for tool ${tool}`);
  expect(text(result)).toContain(field);
}

export function expectCode(result: CallToolResult, code: string): Record<string, unknown> {
  expect(result.isError, text(result)).toBe(true);
  expect(errorCode(result)).toBe(code);
  expect(text(result)).toContain(code);
  const error = (result.structuredContent as { error: { hint: string; details?: Record<string, unknown> } }).error;
  expect(error.hint).not.toBe('');
  return error.details ?? {};
}

/** How many tasks the server's database holds. */
export async function taskTotal(h: Harness): Promise<number> {
  const list = await h.ok('status', {});
  return list.total as number;
}

/** A tool as the server lists it to clients. */
export async function published(h: Harness, name: string): Promise<Tool> {
  const { tools } = await h.client.listTools();
  const tool = tools.find((t) => t.name === name);
  if (!tool) throw new Error(`the server lists no tool ${name}; it lists ${tools.map((t) => t.name).join(', ')}`);
  return tool;
}

/** The property names of a published JSON schema, sorted. */
export function propertyNames(schema: { properties?: Record<string, unknown> } | undefined): string[] {
  return Object.keys(schema?.properties ?? {}).sort();
}
