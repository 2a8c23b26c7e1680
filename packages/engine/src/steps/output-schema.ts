import { searchPattern } from '../workflow/pattern.js';
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
  // As the original sends it: a nullable field's type is [type, "null"] (and null joins its enum).
  if (field.nullable) schema.type = [field.type, 'null'];
  if (field.description) schema.description = field.description;
  if (field.enum) schema.enum = field.nullable ? [...field.enum, null] : [...field.enum];
  if (field.type === 'array' && field.items) schema.items = fieldSchema(field.items);
  for (const key of ['pattern', 'minimum', 'maximum', 'minLength', 'maxLength'] as const) {
    if (field[key] !== undefined) schema[key] = field[key];
  }
  return schema;
}

/** At most this many problems are listed (a wrong answer to a big schema would make a long correction). */
const MAX_PROBLEMS = 10;

/**
 * How `value` breaks `schema`: its problems (the first ten) as sentences naming the field's path
 * (`issues[1].line`), joined with "; ". Null when it conforms. Types are exact (no coercion), extra
 * keys are allowed, a root field is always required, and `pattern` is an unanchored RE2 search.
 */
export function outputMismatch(value: unknown, schema: OutputSchema): string | null {
  if (!isPlainObject(value)) return `the answer must be a JSON object, got ${kindOf(value)}`;
  const problems: string[] = [];
  objectProblems(value, schema, '', true, problems);
  if (problems.length === 0) return null;
  const shown = problems.slice(0, MAX_PROBLEMS);
  return `${shown.join('; ')}${problems.length > shown.length ? '; and more' : ''}`;
}

function objectProblems(
  value: Record<string, unknown>,
  fields: Record<string, OutputField>,
  prefix: string,
  root: boolean,
  problems: string[],
): void {
  for (const [name, field] of Object.entries(fields)) {
    const path = prefix ? `${prefix}.${name}` : name;
    if (!(name in value) || value[name] === undefined) {
      if (root || field.required !== false)
        problems.push(`field "${path}" is missing (expected ${field.type})`);
      continue;
    }
    fieldProblems(value[name], field, path, problems);
  }
}

function fieldProblems(value: unknown, field: OutputField, path: string, problems: string[]): void {
  if (value === null && field.nullable) return;
  if (!matchesJsonType(field.type, value)) {
    problems.push(`field "${path}" must be ${article(field.type)}, got ${kindOf(value)}`);
    return;
  }
  if (field.enum && !field.enum.some((allowed) => allowed === value)) {
    problems.push(
      `field "${path}" must be one of ${field.enum.map((e) => JSON.stringify(e)).join(', ')}, got ${JSON.stringify(value)}`,
    );
  }
  if (typeof value === 'string') stringProblems(value, field, path, problems);
  if (typeof value === 'number') {
    if (field.minimum !== undefined && value < field.minimum)
      problems.push(`field "${path}" must be at least ${field.minimum}, got ${value}`);
    if (field.maximum !== undefined && value > field.maximum)
      problems.push(`field "${path}" must be at most ${field.maximum}, got ${value}`);
  }
  if (field.type === 'array' && field.items && Array.isArray(value)) {
    for (let i = 0; i < value.length && problems.length <= MAX_PROBLEMS; i++) {
      fieldProblems(value[i], field.items, `${path}[${i}]`, problems);
    }
  }
  if (field.type === 'object' && field.properties && isPlainObject(value)) {
    objectProblems(value, field.properties, path, false, problems);
  }
}

function stringProblems(value: string, field: OutputField, path: string, problems: string[]): void {
  if (field.minLength !== undefined || field.maxLength !== undefined) {
    // Characters as the original counts them: code points, not UTF-16 units.
    const length = [...value].length;
    if (field.minLength !== undefined && length < field.minLength)
      problems.push(
        `field "${path}" must be at least ${characters(field.minLength)} long, got ${characters(length)}`,
      );
    if (field.maxLength !== undefined && length > field.maxLength)
      problems.push(
        `field "${path}" must be at most ${characters(field.maxLength)} long, got ${characters(length)}`,
      );
  }
  if (field.pattern !== undefined && !searchPattern(field.pattern, value)) {
    problems.push(
      `field "${path}" must match the pattern ${JSON.stringify(field.pattern)}, got ${kindOf(value)}`,
    );
  }
}

function characters(count: number): string {
  return `${count} character${count === 1 ? '' : 's'}`;
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
