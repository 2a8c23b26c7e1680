/**
 * The rules of output fields (the original's OutputField) that the schema cannot say: which keys fit
 * which `type`, enum values of the field's type, patterns that compile, sensible bounds, and `required:
 * false` only inside `properties`. Every `output:` is checked: agent and workflow steps', and the body's
 * of a for-each group.
 */
import type { YamlPath } from '../locate.js';
import { patternProblem } from '../pattern.js';
import { isPlainObject, matchesJsonType, type Raw } from '../raw.js';
import type { JsonSchemaType } from '../types.js';
import type { SemanticContext } from './context.js';

const SCALARS: ReadonlySet<string> = new Set(['string', 'number', 'integer', 'boolean']);
const NUMBERS: ReadonlySet<string> = new Set(['number', 'integer']);

export function checkOutputFields(ctx: SemanticContext): void {
  for (const step of ctx.steps) {
    if (
      step.checked &&
      (step.type === 'agent' || step.type === 'workflow') &&
      isPlainObject(step.raw.output)
    ) {
      checkFields(ctx, step.raw.output, ['agents', step.index, 'output'], true);
    }
  }
  for (const group of ctx.groups) {
    const body = group.raw.agent;
    if (group.kind !== 'for_each' || !group.checked || !isPlainObject(body)) continue;
    const type = body.type ?? 'agent';
    if ((type === 'agent' || type === 'workflow') && isPlainObject(body.output)) {
      checkFields(ctx, body.output, ['for_each', group.index, 'agent', 'output'], true);
    }
  }
}

function checkFields(ctx: SemanticContext, fields: Raw, at: YamlPath, root: boolean): void {
  for (const [name, field] of Object.entries(fields)) {
    if (isPlainObject(field)) checkField(ctx, field, [...at, name], root);
  }
}

/** `output.verdict`, `output.issues.items.line`: the field as the file spells its path. */
function fieldName(path: YamlPath): string {
  // The first `output` is the step's key (a nested field may be called "output" too).
  const start = path.indexOf('output');
  return path.slice(start + 1).join('.');
}

function checkField(ctx: SemanticContext, field: Raw, at: YamlPath, root: boolean): void {
  const type = typeof field.type === 'string' ? field.type : undefined;
  const name = `output field "${fieldName(at)}"`;
  const typeWords = type === undefined ? '' : ` (it is ${article(type)})`;

  if (root && field.required === false) {
    ctx.error(
      [...at, 'required'],
      `${name} is at the top of output: it cannot be optional (required: false)`,
      {
        hint: "Top-level fields are always required. Make it nullable: true, or put it inside an object field's properties.",
      },
    );
  }
  if (field.enum !== undefined && type !== undefined) {
    if (!SCALARS.has(type)) {
      ctx.error(
        [...at, 'enum'],
        `${name}: enum applies only to string, number, integer or boolean fields${typeWords}`,
      );
    } else if (Array.isArray(field.enum)) {
      field.enum.forEach((value: unknown, i) => {
        if (value === null || matchesJsonType(type as JsonSchemaType, value)) return;
        ctx.error(
          [...at, 'enum', i],
          `${name}: enum value ${JSON.stringify(value)} is not ${article(type)}`,
          {
            hint: `Every value of enum must be of the field's type, ${type}.`,
          },
        );
      });
    }
  }
  if (typeof field.pattern === 'string') {
    if (type !== undefined && type !== 'string') {
      ctx.error([...at, 'pattern'], `${name}: pattern applies only to string fields${typeWords}`);
    } else {
      const problem = patternProblem(field.pattern);
      if (problem !== null) {
        ctx.error([...at, 'pattern'], `${name}: pattern does not compile: ${problem}`, {
          hint: 'Patterns are RE2 regular expressions (matched in linear time): lookarounds and backreferences are not available.',
        });
      }
    }
  }
  for (const key of ['minimum', 'maximum'] as const) {
    if (field[key] !== undefined && type !== undefined && !NUMBERS.has(type)) {
      ctx.error([...at, key], `${name}: ${key} applies only to number and integer fields${typeWords}`, {
        hint:
          type === 'string'
            ? `For a string's length use ${key === 'minimum' ? 'minLength' : 'maxLength'}.`
            : undefined,
      });
    }
  }
  for (const key of ['minLength', 'maxLength'] as const) {
    if (field[key] !== undefined && type !== undefined && type !== 'string') {
      ctx.error([...at, key], `${name}: ${key} applies only to string fields${typeWords}`, {
        hint: NUMBERS.has(type)
          ? `For a number's range use ${key === 'minLength' ? 'minimum' : 'maximum'}.`
          : undefined,
      });
    }
  }
  if (
    typeof field.minimum === 'number' &&
    typeof field.maximum === 'number' &&
    field.minimum > field.maximum
  ) {
    ctx.error(
      [...at, 'minimum'],
      `${name}: minimum ${field.minimum} is greater than maximum ${field.maximum}`,
      {
        hint: 'No value could match: swap them.',
      },
    );
  }
  if (
    typeof field.minLength === 'number' &&
    typeof field.maxLength === 'number' &&
    field.minLength > field.maxLength
  ) {
    ctx.error(
      [...at, 'minLength'],
      `${name}: minLength ${field.minLength} is greater than maxLength ${field.maxLength}`,
      { hint: 'No value could match: swap them.' },
    );
  }
  if (isPlainObject(field.items)) checkField(ctx, field.items, [...at, 'items'], false);
  if (isPlainObject(field.properties)) checkFields(ctx, field.properties, [...at, 'properties'], false);
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
