// The workflow's data before it is known to match the schema: checks read it defensively.
import type { JsonSchemaType } from './types.js';

export type Raw = Record<string, unknown>;

/** A mapping (not a list, not null). */
export const isPlainObject = (value: unknown): value is Raw =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const asString = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined;

/**
 * Whether `value` has a JSON Schema type, without coercion: a finite number for `number`, a whole one for
 * `integer`, a mapping (not a list, not null) for `object`. Inputs and step outputs are checked with it.
 */
export function matchesJsonType(type: JsonSchemaType, value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isPlainObject(value);
  }
}
