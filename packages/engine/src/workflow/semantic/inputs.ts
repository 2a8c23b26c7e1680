import { asString, isPlainObject as isObject, matchesJsonType } from '../raw.js';
import { describeValue } from '../schema-issues.js';
import type { SemanticContext } from './context.js';

const JSON_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'array', 'object']);

/** An input's default must have the input's type. */
export function checkInputDefaults(ctx: SemanticContext): void {
  for (const [name, definition] of Object.entries(ctx.inputs ?? {})) {
    if (!isObject(definition)) continue;
    const type = asString(definition.type);
    if (type === undefined || !JSON_TYPES.has(type)) continue;
    const value = definition.default;
    if (value === undefined || value === null) continue;
    if (!matchesJsonType(type as 'string', value)) {
      const article = type === 'integer' || type === 'array' || type === 'object' ? 'an' : 'a';
      ctx.error(
        ['workflow', 'input', name, 'default'],
        `input "${name}" is declared as ${type}, but its default is ${describeValue(value)}`,
        {
          hint: `Make the default ${article} ${type}, or change the input's type.`,
        },
      );
    }
  }
}
