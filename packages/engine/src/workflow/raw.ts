// The workflow's data before it is known to match the schema: checks read it defensively.

export type Raw = Record<string, unknown>;

/** A mapping (not a list, not null). */
export const isPlainObject = (value: unknown): value is Raw =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const asString = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined;
