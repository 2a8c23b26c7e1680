import { type JsonSchema, toJsonSchema } from '@valibot/to-json-schema';
import { WorkflowSchema } from './schema.js';
import { OutputFieldSchema } from './schema-steps.js';

const LINE_WIDTH = 110;

/**
 * JSON as the repository's formatter (biome) prints it: two-space indents, and arrays of plain values on one line
 * when they fit, so the generated file passes the format check unchanged.
 */
export function formatSchemaJson(value: unknown): string {
  const print = (item: unknown, indent: string, used: number): string => {
    if (Array.isArray(item)) {
      if (item.length === 0) return '[]';
      if (item.every((element) => element === null || typeof element !== 'object')) {
        const inline = `[${item.map((element) => JSON.stringify(element)).join(', ')}]`;
        if (used + inline.length + 1 <= LINE_WIDTH) return inline;
      }
      const inner = `${indent}  `;
      return `[\n${item.map((element) => `${inner}${print(element, inner, inner.length)}`).join(',\n')}\n${indent}]`;
    }
    if (item !== null && typeof item === 'object') {
      const entries = Object.entries(item);
      if (entries.length === 0) return '{}';
      const inner = `${indent}  `;
      const lines = entries.map(([key, element]) => {
        const prefix = `${inner}${JSON.stringify(key)}: `;
        return `${prefix}${print(element, inner, prefix.length)}`;
      });
      return `{\n${lines.join(',\n')}\n${indent}}`;
    }
    return JSON.stringify(item);
  };
  return `${print(value, '', 0)}\n`;
}

/**
 * The JSON Schema (draft-07) of the workflow format, derived from the valibot schema, for editors:
 * `# yaml-language-server: $schema=<path>/workflow.schema.json`. Conversion errors are thrown, never dropped,
 * so a schema construct JSON Schema cannot express fails the schema test instead of vanishing.
 */
export function workflowJsonSchema(): JsonSchema {
  const schema = toJsonSchema(WorkflowSchema, {
    target: 'draft-07',
    definitions: { OutputField: OutputFieldSchema },
    errorMode: 'throw',
  });
  const { $schema, ...rest } = schema;
  return {
    $schema,
    title: 'Conductor workflow',
    description:
      'A multi-agent workflow for conductor: workflow settings, the steps under "agents", and the final output. See docs/workflow-syntax.md.',
    ...rest,
  };
}
