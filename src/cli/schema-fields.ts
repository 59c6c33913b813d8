/** The fields of a plugin's input JSON Schema, as lines a human reads. */
import { oneLine, table } from './format.js';

export interface SchemaField {
  name: string;
  /** "string", "number|null", "string[]", "info|warning|error", … */
  type: string;
  required: boolean;
  description?: string;
  default?: unknown;
}

type Schema = Record<string, unknown>;

export function schemaFields(schema: Schema): SchemaField[] {
  const properties = isObject(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required.filter((n): n is string => typeof n === 'string') : []);
  return Object.entries(properties).map(([name, value]) => {
    const property = isObject(value) ? value : {};
    return {
      name,
      type: typeOf(property),
      required: required.has(name),
      ...(typeof property.description === 'string' ? { description: property.description } : {}),
      ...('default' in property ? { default: property.default } : {}),
    };
  });
}

/** The fields as an aligned block: "name  type  required  description (default …)". */
export function fieldsText(fields: readonly SchemaField[]): string {
  if (fields.length === 0) return '(no fields)';
  return table(
    fields.map((field) => {
      const defaults = 'default' in field ? ` (default ${oneLine(JSON.stringify(field.default) ?? 'undefined', 60)})` : '';
      return [
        field.name,
        field.type,
        field.required ? 'required' : 'optional',
        `${oneLine(field.description ?? '', 100)}${defaults}`.trim(),
      ];
    }),
  );
}

function typeOf(property: Schema, depth = 0): string {
  if (depth > 3) return 'any';
  if (Array.isArray(property.enum)) return property.enum.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join('|');
  if ('const' in property) return JSON.stringify(property.const);
  const union = property.anyOf ?? property.oneOf;
  if (Array.isArray(union)) return [...new Set(union.filter(isObject).map((s) => typeOf(s, depth + 1)))].join('|');
  const types = Array.isArray(property.type) ? property.type : [property.type];
  return types
    .map((type) => {
      if (type !== 'array') return typeof type === 'string' ? type : 'any';
      const item = isObject(property.items) ? typeOf(property.items, depth + 1) : 'any';
      return item.includes('|') ? `(${item})[]` : `${item}[]`;
    })
    .join('|');
}

function isObject(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
