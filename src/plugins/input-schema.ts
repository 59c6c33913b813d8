import { createRequire } from 'node:module';
import type { Ajv, ErrorObject } from 'ajv';
import { z } from 'zod';
import type { JsonSchemaInput } from './api.js';

export type InputParse = { success: true; data: Record<string, unknown> } | { success: false; problems: string[] };

/** One way to validate and describe a plugin's input, whether it came as zod or as JSON Schema. */
export interface InputSchema {
  jsonSchema: Record<string, unknown>;
  parse(input: unknown): InputParse;
}

let ajv: Ajv | undefined;

export function inputSchemaOf(input: z.ZodType | JsonSchemaInput): InputSchema {
  if (typeof (input as z.ZodType).safeParse === 'function') return fromZod(input as z.ZodType);
  return fromJsonSchema(input as JsonSchemaInput);
}

function fromZod(schema: z.ZodType): InputSchema {
  let jsonSchema: Record<string, unknown>;
  try {
    jsonSchema = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  } catch {
    // A schema from another zod copy may not convert; planners then see a generic object.
    jsonSchema = { type: 'object' };
  }
  return {
    jsonSchema,
    parse(input) {
      const result = schema.safeParse(input);
      if (result.success) return { success: true, data: result.data as Record<string, unknown> };
      return {
        success: false,
        problems: result.error.issues.map((issue) => `${issue.path.map(String).join('.') || 'input'}: ${issue.message}`),
      };
    },
  };
}

function fromJsonSchema(schema: JsonSchemaInput): InputSchema {
  ajv ??= newAjv();
  const validate = ajv.compile(schema);
  return {
    jsonSchema: schema,
    parse(input) {
      const data = structuredClone(input) as Record<string, unknown>;
      if (validate(data)) return { success: true, data };
      return { success: false, problems: (validate.errors ?? []).map(problemText) };
    },
  };
}

/** Ajv loads on the first JSON Schema input: a plugin host whose plugin speaks zod never pays for it. */
function newAjv(): Ajv {
  const { Ajv: AjvClass } = createRequire(import.meta.url)('ajv') as { Ajv: new (options: Record<string, unknown>) => Ajv };
  return new AjvClass({ allErrors: true, useDefaults: true, strict: false });
}

function problemText(error: ErrorObject): string {
  const missing = (error.params as { missingProperty?: string }).missingProperty;
  const path = [error.instancePath.replace(/^\//, '').replaceAll('/', '.'), missing].filter(Boolean).join('.');
  return `${path || 'input'}: ${error.message ?? 'is invalid'}`;
}
