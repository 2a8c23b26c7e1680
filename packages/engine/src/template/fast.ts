/**
 * A compiled fast path for the templates a run evaluates at every step: plain reads (`count.output.n`,
 * `context.iteration`), literals, comparisons, `and`/`or`/`not` and integer-free arithmetic on numbers.
 * Going through the interpreter costs an environment, runtime values and a meter per evaluation, several
 * microseconds, which a loop of cheap steps pays twice per step.
 *
 * It is an optimisation, never a second semantics: a compiled expression gives up ({@link BAIL}) on
 * anything whose result could differ from the interpreter's (a missing name or field, a value that is not
 * plain data, mixed types in a comparison, a number printed as text), and the operation then runs through
 * the interpreter as before, errors and all. fast.test.ts checks both paths agree.
 */
import { looksLikeTemplate } from './analyze.js';
import { LITERAL_NAMES } from './interpreter.js';
import type { Node } from './library.js';
import type { TemplateOperation } from './operations.js';
import { parseExpression, singleExpression } from './parse.js';

/** What a compiled expression returns when only the interpreter can answer. */
export const BAIL: unique symbol = Symbol('conductor.template.bail');
type Bail = typeof BAIL;

type Compiled = (scope: Record<string, unknown>) => unknown;

const isPrimitive = (value: unknown): value is string | number | boolean | null =>
  value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';

/** A mapping the interpreter reads by own key (not a list, not a Date, which it converts to a string). */
const isMapping = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);

/** Reads `key` of `object` as the interpreter does, or gives up where it would convert or fail. */
function read(object: unknown, key: string | number): unknown {
  if (typeof key === 'number') {
    if (!Array.isArray(object) || !Number.isInteger(key) || key < 0 || key >= object.length) return BAIL;
    return usable(object[key]);
  }
  if (!isMapping(object) || !Object.hasOwn(object, key)) return BAIL;
  return usable(object[key]);
}

/** Scope data the interpreter would see unchanged: plain values, lists and mappings (checked lazily). */
const usable = (value: unknown): unknown =>
  value === undefined || typeof value === 'function' || typeof value === 'bigint' || typeof value === 'symbol'
    ? BAIL
    : value;

/**
 * A copy of a result as the interpreter returns it (`toNative` of its runtime value), or BAIL for data it
 * would convert (Dates, bigints) or drop from lists.
 */
function native(value: unknown, depth = 0): unknown {
  if (isPrimitive(value)) return value;
  if (depth > 64 || typeof value !== 'object' || value instanceof Date) return BAIL;
  if (Array.isArray(value)) {
    const copy: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      const item = native(value[i], depth + 1);
      if (item === BAIL) return BAIL;
      copy[i] = item;
    }
    return copy;
  }
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    if (item === undefined || typeof item === 'function') continue; // the interpreter leaves these out
    const converted = native(item, depth + 1);
    if (converted === BAIL) return BAIL;
    copy[key] = converted;
  }
  return copy;
}

/** Jinja truthiness for the values the fast path handles. */
function truthy(value: unknown): boolean | Bail {
  if (typeof value === 'boolean') return value;
  if (value === null) return false;
  if (typeof value === 'number') return !Number.isNaN(value) && value !== 0;
  if (typeof value === 'string') return value.length > 0;
  return BAIL;
}

const COMPARISONS: Readonly<Record<string, (a: number, b: number) => boolean>> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

/** Compiles a node, or returns null when any part of it is outside the fast path. */
function compile(node: Node): Compiled | null {
  switch (node.type) {
    case 'IntegerLiteral':
    case 'FloatLiteral':
    case 'StringLiteral': {
      const value = node.value;
      return () => value;
    }
    case 'Identifier': {
      const name = node.value as string;
      const literal = LITERAL_NAMES.get(name);
      return (scope) => {
        if (Object.hasOwn(scope, name)) {
          const value = scope[name];
          if (value !== undefined && typeof value !== 'function') return usable(value);
        }
        return literal === undefined ? BAIL : literal;
      };
    }
    case 'MemberExpression': {
      const object = compile(node.object as Node);
      const property = node.property as Node;
      if (!object) return null;
      let key: string | number;
      if (!node.computed) key = String(property.value);
      else if (property.type === 'StringLiteral') key = property.value as string;
      else if (property.type === 'IntegerLiteral') key = property.value as number;
      else return null;
      return (scope) => {
        const owner = object(scope);
        return owner === BAIL ? BAIL : read(owner, key);
      };
    }
    case 'UnaryExpression': {
      const operator = (node.operator as Node).value;
      const argument = compile(node.argument as Node);
      if (!argument) return null;
      if (operator === 'not')
        return (scope) => {
          const value = argument(scope);
          if (value === BAIL) return BAIL;
          const truth = truthy(value);
          return truth === BAIL ? BAIL : !truth;
        };
      if (operator === '-')
        return (scope) => {
          const value = argument(scope);
          return typeof value === 'number' ? -value : BAIL;
        };
      return null;
    }
    case 'BinaryExpression':
      return compileBinary(node);
    default:
      return null;
  }
}

function compileBinary(node: Node): Compiled | null {
  const operator = (node.operator as Node).value as string;
  const left = compile(node.left as Node);
  const right = compile(node.right as Node);
  if (!left || !right) return null;
  if (operator === 'and' || operator === 'or') {
    const and = operator === 'and';
    // Python's: the left operand when it decides, else the right one (not evaluated otherwise).
    return (scope) => {
      const first = left(scope);
      if (first === BAIL) return BAIL;
      const truth = truthy(first);
      if (truth === BAIL) return BAIL;
      return truth === and ? right(scope) : first;
    };
  }
  if (operator === '==' || operator === '!=') {
    const equal = operator === '==';
    return (scope) => {
      const a = left(scope);
      if (!isPrimitive(a)) return BAIL;
      const b = right(scope);
      if (!isPrimitive(b)) return BAIL;
      return (a === b) === equal;
    };
  }
  const compare = COMPARISONS[operator];
  if (compare)
    return (scope) => {
      const a = left(scope);
      if (typeof a !== 'number') return BAIL;
      const b = right(scope);
      return typeof b === 'number' ? compare(a, b) : BAIL;
    };
  if (operator === '+' || operator === '-' || operator === '*') {
    // The interpreter keeps integers and floats apart (`1.5 + 0.5` prints `2.0`); a number's value is
    // the same either way, and the fast path never prints one.
    const apply =
      operator === '+'
        ? (a: number, b: number) => a + b
        : operator === '-'
          ? (a: number, b: number) => a - b
          : (a: number, b: number) => a * b;
    return (scope) => {
      const a = left(scope);
      if (typeof a !== 'number') return BAIL;
      const b = right(scope);
      return typeof b === 'number' ? apply(a, b) : BAIL;
    };
  }
  return null;
}

/** How a source evaluates on the fast path: its compiled expression, or null (the interpreter only). */
type Plan = { compiled: Compiled; template: boolean } | null;

const plans = new Map<string, Plan>();
const MAX_PLANS = 1000;

/**
 * The plan of a string that is a bare expression (`template: false`) or a single `{{ expression }}`.
 * Anything else, including a syntax error (which the interpreter reports), has none.
 */
function planOf(source: string, bare: boolean): Plan {
  const key = bare ? `e:${source}` : `t:${source}`;
  const known = plans.get(key);
  if (known !== undefined) return known;
  let plan: Plan = null;
  try {
    const template = looksLikeTemplate(source);
    const node = template ? singleExpression(source) : bare ? parseExpression(source) : undefined;
    const compiled = node ? compile(node) : null;
    if (compiled) plan = { compiled, template };
  } catch {
    plan = null;
  }
  if (plans.size >= MAX_PLANS) plans.clear();
  plans.set(key, plan);
  return plan;
}

/** A `value` operation's string, array or mapping, with every template in it on the fast path. */
function fastValue(input: unknown, scope: Record<string, unknown>, depth: number): unknown {
  if (typeof input === 'string') {
    if (!input.includes('{') || !looksLikeTemplate(input)) return input;
    const plan = planOf(input, false);
    if (!plan) return BAIL;
    return native(plan.compiled(scope));
  }
  if (depth > 64) return BAIL;
  if (Array.isArray(input)) {
    const result: unknown[] = new Array(input.length);
    for (let i = 0; i < input.length; i++) {
      const item = fastValue(input[i], scope, depth + 1);
      if (item === BAIL) return BAIL;
      result[i] = item;
    }
    return result;
  }
  if (input !== null && typeof input === 'object') {
    const result: Record<string, unknown> = {};
    for (const key of Object.keys(input)) {
      const item = fastValue((input as Record<string, unknown>)[key], scope, depth + 1);
      if (item === BAIL) return BAIL;
      result[key] = item;
    }
    return result;
  }
  return input;
}

/** Text read as false by a `{{ }}` condition, as in operations.ts. */
const FALSE_WORDS = new Set(['false', 'none', 'null', 'no', 'n', 'off', '0', '']);

/**
 * The operation's result on the fast path, or {@link BAIL}. `render` is left to the interpreter: how a
 * number prints depends on whether it is an integer or a float there.
 */
export function fastOperation(operation: TemplateOperation, scope: Record<string, unknown>): unknown {
  switch (operation.kind) {
    case 'value':
      return fastValue(operation.value, scope, 0);
    case 'expression': {
      const plan = planOf(operation.source, true);
      return plan ? native(plan.compiled(scope)) : BAIL;
    }
    case 'condition': {
      const plan = planOf(operation.source, true);
      if (!plan) return BAIL;
      const result = plan.compiled(scope);
      if (result === BAIL) return BAIL;
      if (!plan.template) return truthy(result);
      // A `{{ }}` condition is printed, then read: only values that print the same way are taken here.
      if (typeof result === 'boolean') return result;
      if (result === null) return false;
      if (typeof result === 'string') return !FALSE_WORDS.has(result.trim().toLowerCase());
      return BAIL;
    }
    case 'render':
      return BAIL;
  }
}
