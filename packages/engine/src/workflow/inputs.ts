import { closestName } from '../template/suggest.js';
import { matchesJsonType } from './raw.js';
import type { InputDefinition, WorkflowDefinition } from './types.js';

export interface InputProblem {
  /** The input's name. */
  input: string;
  message: string;
}

/** Workflow inputs that are missing, unknown, or not of their declared type. */
export class InputError extends Error {
  override name = 'InputError';
  readonly code = 'CONDUCTOR_INPUT_INVALID';
  readonly problems: InputProblem[];

  constructor(problems: InputProblem[]) {
    const lines = problems.map((problem) => `  - ${problem.message}`);
    super(
      problems.length === 1
        ? `invalid workflow input: ${problems[0]?.message}`
        : `invalid workflow inputs (${problems.length}):\n${lines.join('\n')}`,
    );
    this.problems = problems;
  }
}

const TRUE_WORDS = new Set(['true', 'yes', 'y', 'on', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'n', 'off', '0']);

/** The value an optional input without a default gets (as in the original conductor). */
function zeroValue(type: InputDefinition['type']): unknown {
  switch (type) {
    case 'string':
      return '';
    case 'number':
    case 'integer':
      return 0;
    case 'boolean':
      return false;
    case 'array':
      return [];
    case 'object':
      return {};
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `${String(value)} (a ${typeof value})`;
}

type Coerced = { ok: true; value: unknown } | { ok: false; message: string };

/** Reads a value given on the command line (always a string) or by a caller as the declared type. */
function coerce(name: string, definition: InputDefinition, given: unknown): Coerced {
  const { type } = definition;
  if (matchesJsonType(type, given)) return { ok: true, value: given };
  const fail = (expected: string, example: string): Coerced => ({
    ok: false,
    message: `input "${name}" must be ${expected}, got ${describe(given)}${example ? ` (e.g. --input ${name}=${example})` : ''}`,
  });
  if (typeof given !== 'string') {
    return type === 'string' && (typeof given === 'number' || typeof given === 'boolean')
      ? { ok: true, value: String(given) }
      : fail(`a ${type}`, '');
  }
  const text = given.trim();
  switch (type) {
    case 'string':
      return { ok: true, value: given };
    case 'number': {
      const value = Number(text);
      return text !== '' && Number.isFinite(value) ? { ok: true, value } : fail('a number', '3.5');
    }
    case 'integer': {
      const value = Number(text);
      if (text !== '' && Number.isInteger(value) && !Number.isSafeInteger(value)) {
        // 2^53 and above would be rounded to another number without a word.
        return fail('an integer between -9007199254740991 and 9007199254740991', '3');
      }
      return text !== '' && Number.isInteger(value) ? { ok: true, value } : fail('an integer', '3');
    }
    case 'boolean': {
      const word = text.toLowerCase();
      if (TRUE_WORDS.has(word)) return { ok: true, value: true };
      if (FALSE_WORDS.has(word)) return { ok: true, value: false };
      return fail('a boolean (true/false, yes/no, 1/0, on/off)', 'true');
    }
    case 'array':
    case 'object': {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return fail(
          `a JSON ${type === 'array' ? 'array' : 'object'}`,
          type === 'array' ? `'["a","b"]'` : `'{"key":"value"}'`,
        );
      }
      return matchesJsonType(type, value)
        ? { ok: true, value }
        : fail(
            `a JSON ${type === 'array' ? 'array' : 'object'}`,
            type === 'array' ? `'["a","b"]'` : `'{"key":"value"}'`,
          );
    }
  }
}

/**
 * A value given for an input the workflow does not declare, read as the original's command line reads every
 * value: true/false/null are literals, `[…]` and `{…}` JSON, text with a `.` a float when it is one, other text
 * an integer when it is one, else the text.
 */
export function coerceUndeclared(text: string): unknown {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (text === 'null') return null;
  if (/^\s*[[{]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  if (text.includes('.')) {
    return /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(text) ? Number.parseFloat(text) : text;
  }
  if (/^\s*[-+]?\d+\s*$/.test(text) && Number.isSafeInteger(Number(text))) return Number(text);
  return text;
}

/**
 * The inputs of a run: `given` (CLI strings like `count=3` are read as the declared type; arrays and objects
 * from JSON) plus defaults; an optional input without a default gets its type's zero value (`""`, `0`,
 * `false`, `[]`, `{}`). An input is required unless `required: false` or a default is given. Throws
 * `InputError` listing every missing, unknown or malformed input. A workflow without an `input:` section
 * accepts any inputs, strings read by {@link coerceUndeclared}.
 */
export function resolveInputs(
  definition: WorkflowDefinition,
  given: Record<string, unknown>,
): Record<string, unknown> {
  const declared = definition.workflow.input;
  if (declared === undefined) {
    return Object.fromEntries(
      Object.entries(given).map(([name, value]) => [
        name,
        typeof value === 'string' ? coerceUndeclared(value) : value,
      ]),
    );
  }
  const problems: InputProblem[] = [];
  const resolved: Record<string, unknown> = {};
  const names = Object.keys(declared);

  for (const [name, value] of Object.entries(given)) {
    if (Object.hasOwn(declared, name)) continue;
    const suggestion = closestName(name, names);
    const hint = suggestion
      ? ` Did you mean "${suggestion}"?`
      : names.length > 0
        ? ` Declared inputs: ${names.join(', ')}.`
        : ' This workflow declares no inputs.';
    problems.push({ input: name, message: `unknown input "${name}" (given ${describe(value)}).${hint}` });
  }

  for (const [name, definition] of Object.entries(declared)) {
    if (Object.hasOwn(given, name) && given[name] !== undefined) {
      const result = coerce(name, definition, given[name]);
      if (result.ok) resolved[name] = result.value;
      else problems.push({ input: name, message: result.message });
      continue;
    }
    const hasDefault = definition.default !== undefined && definition.default !== null;
    if (hasDefault) {
      resolved[name] = structuredClone(definition.default);
    } else if (definition.required ?? true) {
      const about = definition.description ? `: ${definition.description}` : '';
      problems.push({
        input: name,
        message: `missing required input "${name}" (${definition.type}${about}). Pass it with --input ${name}=<value>`,
      });
    } else {
      resolved[name] = zeroValue(definition.type);
    }
  }

  if (problems.length > 0) throw new InputError(problems);
  return resolved;
}
