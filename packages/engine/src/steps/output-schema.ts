import { isPlainObject, matchesJsonType } from '../workflow/raw.js';
import type { OutputField, OutputSchema } from '../workflow/types.js';

type JsonSchema = Record<string, unknown>;

/** The JSON Schema of a step's compact `output:` declaration (root fields are all required). */
export function outputJsonSchema(schema: OutputSchema): JsonSchema {
  return objectSchema(schema, true);
}

function objectSchema(properties: Record<string, OutputField>, root: boolean): JsonSchema {
  const required = Object.entries(properties)
    .filter(([, field]) => root || field.required !== false)
    .map(([name]) => name);
  return {
    type: 'object',
    properties: Object.fromEntries(
      Object.entries(properties).map(([name, field]) => [name, fieldSchema(field)]),
    ),
    required,
  };
}

function fieldSchema(field: OutputField): JsonSchema {
  const schema: JsonSchema =
    field.type === 'object' && field.properties
      ? objectSchema(field.properties, false)
      : { type: field.type };
  if (field.description) schema.description = field.description;
  if (field.enum) schema.enum = [...field.enum];
  if (field.type === 'array' && field.items) schema.items = fieldSchema(field.items);
  return schema;
}

/** The first way `value` breaks `schema`, as a sentence naming the field; null when it conforms. */
export function outputMismatch(value: unknown, schema: OutputSchema): string | null {
  if (!isPlainObject(value)) return `the answer must be a JSON object, got ${kindOf(value)}`;
  return objectMismatch(value, schema, '', true);
}

function objectMismatch(
  value: Record<string, unknown>,
  fields: Record<string, OutputField>,
  prefix: string,
  root: boolean,
): string | null {
  for (const [name, field] of Object.entries(fields)) {
    const path = prefix ? `${prefix}.${name}` : name;
    if (!(name in value) || value[name] === undefined) {
      if (root || field.required !== false) return `field "${path}" is missing (expected ${field.type})`;
      continue;
    }
    const problem = fieldMismatch(value[name], field, path);
    if (problem) return problem;
  }
  return null;
}

function fieldMismatch(value: unknown, field: OutputField, path: string): string | null {
  if (!matchesJsonType(field.type, value))
    return `field "${path}" must be ${article(field.type)}, got ${kindOf(value)}`;
  if (field.enum && !field.enum.some((allowed) => allowed === value)) {
    return `field "${path}" must be one of ${field.enum.map((e) => JSON.stringify(e)).join(', ')}, got ${JSON.stringify(value)}`;
  }
  if (field.type === 'array' && field.items && Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = fieldMismatch(value[i], field.items, `${path}[${i}]`);
      if (problem) return problem;
    }
  }
  if (field.type === 'object' && field.properties && isPlainObject(value)) {
    return objectMismatch(value, field.properties, path, false);
  }
  return null;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' && Number.isInteger(value)) return `the number ${value}`;
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)}`;
  return article(typeof value);
}

/**
 * Reads the JSON in a model's answer: the whole text, else a ```json fenced block, else the span
 * from the first `{` to the last `}`. Throws a message for the correction prompt when none parses.
 */
export function parseJsonAnswer(text: string): unknown {
  const candidates: string[] = [text.trim()];
  const fence = /```(?:json|JSON)?[ \t]*\r?\n?([\s\S]*?)```/.exec(text);
  if (fence?.[1] !== undefined) candidates.push(fence[1].trim());
  const first = text.indexOf('{');
  const last = text.lastIndexOf('}');
  if (first !== -1 && last > first) candidates.push(text.slice(first, last + 1));
  let firstError: unknown;
  for (const candidate of candidates) {
    if (!candidate) continue;
    try {
      return JSON.parse(candidate);
    } catch (error) {
      firstError ??= error;
    }
  }
  const reason = firstError instanceof Error ? firstError.message : 'the answer is empty';
  throw new Error(`the answer is not valid JSON (${reason})`);
}
