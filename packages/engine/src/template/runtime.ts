/**
 * A strict layer over @huggingface/jinja's interpreter.
 *
 * The library treats an undefined variable like Jinja's default `Undefined`: it renders as an empty string,
 * which in a prompt silently drops content. Here every lookup that finds nothing yields a `MissingValue` (still
 * an `UndefinedValue` to the library, so `is defined`, `default(...)` and `if x` keep their Jinja meaning) that
 * remembers what was looked up. Using it anywhere else (printing it, comparing it, filtering it, calling it,
 * iterating it) is a CONDUCTOR_TEMPLATE_UNDEFINED error that names it.
 *
 * Nodes are rebuilt as plain objects with the `type` the interpreter switches on (library.ts has the
 * library's classes).
 */
import { type RenderMeter, RenderSliceExpired } from './budget.js';
import { TemplateError, type TemplateLocation } from './errors.js';
import {
  ArrayValue,
  BooleanValue,
  Environment,
  FloatValue,
  FunctionValue,
  IntegerValue,
  Interpreter,
  type Node,
  NullValue,
  ObjectValue,
  type Program,
  parse,
  type Statement,
  StringValue,
  tokenize,
  UndefinedValue,
  type Value,
} from './library.js';
import { shellQuote } from './shell.js';
import { closestName } from './suggest.js';

export type { Node, Program, Value } from './library.js';

const PRECOMPUTED = 'ConductorPrecomputed';
const REQUIRE_DEFINED = 'ConductorRequireDefined';
const OUTPUT = 'ConductorOutput';

/** What a failed lookup looked for, so using it can be reported by name. */
export interface MissingInfo {
  /** The expression that is undefined, e.g. `planer` or `review.output.scroe`. */
  expression: string;
  kind: 'variable' | 'attribute';
  /** The attribute or variable name that was not found. */
  name: string;
  /** For attributes: the expression it was looked up on, and what that is. */
  owner?: string;
  ownerKind?: string;
  /** Names that did exist there, for "did you mean". */
  candidates: string[];
}

export class MissingValue extends UndefinedValue {
  readonly missing: MissingInfo;
  constructor(missing: MissingInfo) {
    super();
    this.missing = missing;
  }
}

export const isUndefinedValue = (value: Value): boolean => value.type === 'UndefinedValue';

/** Names the interpreter defines itself; they are never reported as template inputs or suggested. */
export const BUILTIN_NAMES: ReadonlySet<string> = new Set([
  'true',
  'false',
  'none',
  'True',
  'False',
  'None',
  'range',
  'namespace',
  'loop',
  'caller',
  'varargs',
  'kwargs',
]);

// ---------------------------------------------------------------------------------------------- conversions

function describeKind(value: Value): string {
  switch (value.type) {
    case 'StringValue':
      return 'a string';
    case 'IntegerValue':
    case 'FloatValue':
      return 'a number';
    case 'BooleanValue':
      return 'a boolean';
    case 'NullValue':
      return 'null';
    case 'ArrayValue':
    case 'TupleValue':
      return 'a list';
    case 'FunctionValue':
      return 'a function';
    default:
      return 'an object';
  }
}

/** A runtime value as plain JavaScript (what `evaluateExpression` returns). */
export function toNative(value: Value): unknown {
  switch (value.type) {
    case 'IntegerValue':
    case 'FloatValue':
    case 'StringValue':
    case 'BooleanValue':
      return value.value;
    case 'NullValue':
      return null;
    case 'UndefinedValue':
      return undefined;
    case 'ArrayValue':
    case 'TupleValue':
      return (value.value as Value[]).map(toNative);
    case 'ObjectValue':
    case 'NamespaceValue':
    case 'KeywordArgumentsValue': {
      const result: Record<string, unknown> = {};
      for (const [key, item] of value.value as Map<string, Value>) {
        const native = toNative(item);
        if (native !== undefined) result[key] = native;
      }
      return result;
    }
    default:
      throw new Error(`cannot use ${describeKind(value)} as a value`);
  }
}

const convertible = (item: unknown): boolean => item !== undefined && typeof item !== 'function';

/**
 * An object's entries, converted to runtime values when first read. Templates read a few fields of large
 * objects (every step output, `context.history`): converting them whole at each render would make a
 * long loop quadratic. Iterating (a `for` over items, `tojson`) converts everything, in the object's order.
 */
class LazyEntries extends Map<string, Value> {
  #source: Record<string, unknown> | null;

  constructor(source: Record<string, unknown>) {
    super();
    this.#source = source;
  }

  #one(key: string): void {
    const source = this.#source;
    if (source === null || super.has(key) || !Object.hasOwn(source, key)) return;
    const item = source[key];
    if (convertible(item)) super.set(key, toRuntime(item));
  }

  #all(): void {
    const source = this.#source;
    if (source === null) return;
    this.#source = null;
    const converted = new Map(super.entries());
    super.clear();
    for (const [key, item] of Object.entries(source)) {
      if (convertible(item)) super.set(key, converted.get(key) ?? toRuntime(item));
    }
  }

  override get(key: string): Value | undefined {
    this.#one(key);
    return super.get(key);
  }

  override has(key: string): boolean {
    this.#one(key);
    return super.has(key);
  }

  override get size(): number {
    this.#all();
    return super.size;
  }

  override entries(): MapIterator<[string, Value]> {
    this.#all();
    return super.entries();
  }

  override keys(): MapIterator<string> {
    this.#all();
    return super.keys();
  }

  override values(): MapIterator<Value> {
    this.#all();
    return super.values();
  }

  override forEach(
    callback: (value: Value, key: string, map: Map<string, Value>) => void,
    thisArg?: unknown,
  ): void {
    this.#all();
    super.forEach(callback, thisArg);
  }

  override [Symbol.iterator](): MapIterator<[string, Value]> {
    this.#all();
    return super[Symbol.iterator]();
  }
}

/** Plain JavaScript as a runtime value. Functions are not allowed in scopes: templates must not run code. */
export function toRuntime(value: unknown): Value {
  if (value === undefined) return new UndefinedValue();
  if (value === null) return new NullValue();
  switch (typeof value) {
    case 'string':
      return new StringValue(value);
    case 'boolean':
      return new BooleanValue(value);
    case 'number':
      return Number.isInteger(value) ? new IntegerValue(value) : new FloatValue(value);
    case 'bigint':
      return new IntegerValue(Number(value));
    case 'object': {
      if (Array.isArray(value)) return new ArrayValue(value.map(toRuntime));
      if (value instanceof Date) return new StringValue(value.toISOString());
      return new ObjectValue(new LazyEntries(value as Record<string, unknown>));
    }
    default:
      return new UndefinedValue();
  }
}

/** JSON with Python's `json.dumps` spacing (`{"a": 1, "b": [1, 2]}`), which is what `tojson` produces. */
export function compactJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(compactJson).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([key, item]) => `${JSON.stringify(key)}: ${compactJson(item)}`)
      .join(', ')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return 'null';
  return JSON.stringify(value);
}

/** How a value prints in `{{ }}`: strings as is, objects and lists as JSON, null as nothing. */
export function renderValue(value: Value): string {
  switch (value.type) {
    case 'StringValue':
      return value.value as string;
    case 'NullValue':
    case 'UndefinedValue':
      return '';
    case 'IntegerValue':
    case 'FloatValue':
    case 'BooleanValue':
      return value.toString();
    default:
      return compactJson(toNative(value));
  }
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

// ------------------------------------------------------------------------------------------------- parsing

const STATEMENT_TYPES = new Set([
  'If',
  'For',
  'Set',
  'Macro',
  'Comment',
  'Break',
  'Continue',
  'CallStatement',
  'FilterStatement',
]);

/** Wraps every `{{ expression }}` in an output node so printing an undefined value can be caught. */
function wrapOutputs(body: Node[]): Node[] {
  return body.map((node) => {
    switch (node.type) {
      case 'If':
        node.body = wrapOutputs(node.body as Node[]);
        node.alternate = wrapOutputs(node.alternate as Node[]);
        return node;
      case 'For':
        node.body = wrapOutputs(node.body as Node[]);
        node.defaultBlock = wrapOutputs(node.defaultBlock as Node[]);
        return node;
      case 'Set':
      case 'Macro':
      case 'CallStatement':
      case 'FilterStatement':
        node.body = wrapOutputs((node.body as Node[] | undefined) ?? []);
        return node;
      default:
        if (STATEMENT_TYPES.has(node.type) || node.type === 'StringLiteral') return node;
        return { type: OUTPUT, inner: node };
    }
  });
}

function syntaxMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof TypeError)
    return 'unexpected end of template (a closing tag such as {% endif %} or {% endfor %} may be missing)';
  return message
    .replace(/^Parser Error: /, '')
    .replace(/^Unknown statement type: (\w+)/, "unknown tag '{% $1 %}'")
    .replace(/^Unexpected end of input$/, 'unexpected end of template (is a }} or %} missing?)');
}

const parsedCache = new Map<string, Program>();
const MAX_CACHED = 1000;

/** Parses a template (Jinja defaults: no trim_blocks, no lstrip_blocks). Throws CONDUCTOR_TEMPLATE_SYNTAX. */
export function parseTemplate(source: string, location?: TemplateLocation): Program {
  const cached = parsedCache.get(source);
  if (cached) return cached;
  let program: Program;
  try {
    program = parse(tokenize(source, { lstrip_blocks: false, trim_blocks: false }));
  } catch (error) {
    throw new TemplateError('CONDUCTOR_TEMPLATE_SYNTAX', `template syntax error: ${syntaxMessage(error)}`, {
      location,
      cause: error,
    });
  }
  (program as unknown as Node).body = wrapOutputs(program.body as unknown as Node[]);
  if (parsedCache.size >= MAX_CACHED) parsedCache.clear();
  parsedCache.set(source, program);
  return program;
}

/** Parses a bare expression (`score >= 8 and approved`) into its single expression node. */
export function parseExpression(expression: string, location?: TemplateLocation): Node {
  const syntaxError = (detail: string, cause?: unknown) =>
    new TemplateError('CONDUCTOR_TEMPLATE_SYNTAX', `expression syntax error: ${detail}`, { location, cause });
  if (expression.trim() === '') throw syntaxError('the expression is empty');
  if (/\{\{|\}\}|\{%|%\}/.test(expression))
    throw syntaxError('a bare expression cannot contain {{ }} or {% %}');
  let program: Program;
  try {
    program = parseTemplate(`{{ ${expression} }}`);
  } catch (error) {
    if (error instanceof TemplateError)
      throw syntaxError(error.detail.replace(/^template syntax error: /, ''), error);
    throw error;
  }
  const only = soleExpression(program);
  if (!only) throw syntaxError('expected a single expression');
  return only;
}

/** The expression of a program made of exactly one `{{ }}` (text is never wrapped, so a lone string counts). */
function soleExpression(program: Program): Node | undefined {
  const [only, ...rest] = program.body;
  if (!only || rest.length > 0) return undefined;
  if (only.type === OUTPUT) return only.inner as Node;
  return only.type === 'StringLiteral' ? only : undefined;
}

/** If the whole (trimmed) template is one `{{ expression }}`, that expression. */
export function singleExpression(source: string, location?: TemplateLocation): Node | undefined {
  const trimmed = source.trim();
  if (!trimmed.startsWith('{{') || !trimmed.endsWith('}}')) return undefined;
  return soleExpression(parseTemplate(trimmed, location));
}

// ---------------------------------------------------------------------------------------------- evaluation

const precomputed = (value: Value): Node => ({ type: PRECOMPUTED, value });
const requireDefined = (inner: unknown): Node => ({ type: REQUIRE_DEFINED, inner });

/** A readable rendering of a (member) expression, for messages: `review.output.score`, `items[0]`. */
export function describeExpression(node: Node): string {
  switch (node.type) {
    case 'Identifier':
      return node.value as string;
    case 'MemberExpression': {
      const object = describeExpression(node.object as Node);
      const property = node.property as Node;
      if (!node.computed) return `${object}.${String(property.value)}`;
      if (property.type === 'StringLiteral') return `${object}[${JSON.stringify(property.value)}]`;
      if (property.type === 'IntegerLiteral') return `${object}[${String(property.value)}]`;
      return `${object}[...]`;
    }
    case 'CallExpression':
      return `${describeExpression(node.callee as Node)}(...)`;
    case 'StringLiteral':
      return JSON.stringify(node.value);
    case 'IntegerLiteral':
    case 'FloatLiteral':
      return String(node.value);
    default:
      return 'expression';
  }
}

function visibleNames(environment: Environment): string[] {
  const names: string[] = [];
  for (let env: Environment | undefined = environment; env; env = env.parent) {
    for (const name of env.variables.keys()) {
      if (!BUILTIN_NAMES.has(name) && !name.startsWith('\u0000')) names.push(name);
    }
  }
  return names;
}

function undefinedError(missing: MissingInfo, location: TemplateLocation | undefined): TemplateError {
  let detail: string;
  let hint: string | undefined;
  const suggestion = closestName(missing.name, missing.candidates);
  if (missing.kind === 'variable') {
    detail = `undefined variable '${missing.name}'`;
  } else if (missing.ownerKind === 'null') {
    detail = `'${missing.owner}' is null, so '${missing.expression}' is undefined`;
  } else if (missing.ownerKind !== undefined && missing.ownerKind !== 'an object') {
    detail = `'${missing.owner}' is ${missing.ownerKind}, which has no attribute '${missing.name}'`;
  } else {
    detail = `undefined attribute '${missing.name}' of '${missing.owner}'`;
  }
  if (suggestion !== undefined) {
    hint = `did you mean '${suggestion}'?`;
  } else if (
    missing.kind === 'attribute' &&
    missing.candidates.length > 0 &&
    missing.ownerKind === 'an object'
  ) {
    const shown = missing.candidates.slice(0, 12);
    hint = `'${missing.owner}' has: ${shown.join(', ')}${missing.candidates.length > shown.length ? ', ...' : ''}`;
  }
  hint = [hint, "use '| default(...)' or 'is defined' if it may be missing"].filter(Boolean).join('; ');
  return new TemplateError('CONDUCTOR_TEMPLATE_UNDEFINED', detail, {
    location,
    hint,
    undefinedName: missing.expression,
  });
}

/** Filters this module implements itself; the rest are the library's. */
const OWN_FILTERS = new Set([
  'default',
  'd',
  'json',
  'tojson',
  'length',
  'count',
  'trim',
  'upper',
  'lower',
  'join',
  'string',
  'shell_quote',
]);

/** Every filter a template may use. */
export const KNOWN_FILTERS: ReadonlySet<string> = new Set([
  ...OWN_FILTERS,
  'abs',
  'bool',
  'capitalize',
  'dictsort',
  'first',
  'float',
  'get',
  'indent',
  'int',
  'items',
  'keys',
  'last',
  'list',
  'map',
  'rejectattr',
  'replace',
  'reverse',
  'safe',
  'selectattr',
  'sort',
  'title',
  'unique',
  'values',
]);

/** Every test (`x is defined`) a template may use. */
export const KNOWN_TESTS: ReadonlySet<string> = new Set(new Environment().tests.keys());

/** Nodes whose value is a string or list the template builds (not one read from the scope): metered. */
const BUILDS = new Set(['BinaryExpression', 'CallExpression', 'FilterExpression', 'FilterStatement', 'For']);

class StrictInterpreter extends Interpreter {
  constructor(
    environment: Environment,
    private readonly location: TemplateLocation | undefined,
    private readonly meter: RenderMeter,
  ) {
    super(environment);
  }

  private undefined(value: Value): TemplateError {
    const missing =
      value instanceof MissingValue
        ? value.missing
        : { expression: 'value', kind: 'variable' as const, name: 'value', candidates: [] };
    return undefinedError(missing, this.location);
  }

  private defined(value: Value): Value {
    if (isUndefinedValue(value)) throw this.undefined(value);
    return value;
  }

  private evalError(detail: string, cause?: unknown): TemplateError {
    return new TemplateError('CONDUCTOR_TEMPLATE_EVAL', detail, { location: this.location, cause });
  }

  override evaluate(statement: Statement | undefined, environment: Environment): Value {
    if (!statement) return super.evaluate(statement, environment);
    this.meter.tick();
    const value = this.evaluateNode(statement, environment);
    if (BUILDS.has((statement as unknown as Node).type)) this.meter.built(value);
    return value;
  }

  private evaluateNode(statement: Statement, environment: Environment): Value {
    const node = statement as unknown as Node;
    const recurse = (next: Node): Statement => next as unknown as Statement;
    switch (node.type) {
      case PRECOMPUTED:
        return node.value as Value;
      case REQUIRE_DEFINED:
        return this.defined(this.evaluate(recurse(node.inner as Node), environment));
      case OUTPUT: {
        const text = renderValue(this.defined(this.evaluate(recurse(node.inner as Node), environment)));
        this.meter.print(text.length);
        return new StringValue(text);
      }
      case 'Identifier': {
        const value = super.evaluate(statement, environment);
        if (!isUndefinedValue(value) || value instanceof MissingValue) return value;
        const name = node.value as string;
        return new MissingValue({
          expression: name,
          kind: 'variable',
          name,
          candidates: visibleNames(environment),
        });
      }
      case 'MemberExpression':
        return this.member(node, environment);
      case 'CallExpression': {
        const callee = this.defined(this.evaluate(recurse(node.callee as Node), environment));
        const args = (node.args as Node[]).map((arg) => {
          if (arg.type === 'KeywordArgumentExpression') return { ...arg, value: requireDefined(arg.value) };
          if (arg.type === 'SpreadExpression' || arg.type === 'KeywordSpreadExpression') {
            return { ...arg, argument: requireDefined(arg.argument) };
          }
          return requireDefined(arg);
        });
        return super.evaluate(
          recurse({ type: 'CallExpression', callee: precomputed(callee), args }),
          environment,
        );
      }
      case 'BinaryExpression': {
        const operator = (node.operator as { value: string }).value;
        if (operator === 'and' || operator === 'or') return super.evaluate(statement, environment);
        const left = this.defined(this.evaluate(recurse(node.left as Node), environment));
        const right = this.defined(this.evaluate(recurse(node.right as Node), environment));
        if (operator === '==' || operator === '!=') {
          try {
            const equal = deepEqual(toNative(left), toNative(right));
            return new BooleanValue(operator === '==' ? equal : !equal);
          } catch {
            // Functions and the like: fall back to the library's identity comparison.
          }
        }
        return super.evaluate(
          recurse({
            type: 'BinaryExpression',
            operator: node.operator,
            left: precomputed(left),
            right: precomputed(right),
          }),
          environment,
        );
      }
      case 'UnaryExpression': {
        if ((node.operator as { value: string }).value === 'not')
          return super.evaluate(statement, environment);
        const argument = this.defined(this.evaluate(recurse(node.argument as Node), environment));
        return super.evaluate(recurse({ ...node, argument: precomputed(argument) }), environment);
      }
      case 'FilterExpression':
        return this.filter(
          this.evaluate(recurse(node.operand as Node), environment),
          node.filter as Node,
          environment,
        );
      case 'FilterStatement': {
        const body = super.evaluate(recurse({ type: 'Program', body: node.body }), environment);
        return this.filter(body, node.filter as Node, environment);
      }
      case 'For': {
        let iterable = node.iterable as Node;
        if (iterable.type === 'SelectExpression') {
          const lhs = this.defined(this.evaluate(recurse(iterable.lhs as Node), environment));
          iterable = { ...iterable, lhs: precomputed(lhs) };
        } else {
          iterable = precomputed(this.defined(this.evaluate(recurse(iterable), environment)));
        }
        return super.evaluate(recurse({ ...node, type: 'For', iterable }), environment);
      }
      default:
        return super.evaluate(statement, environment);
    }
  }

  private member(node: Node, environment: Environment): Value {
    const object = this.evaluate(node.object as Statement, environment);
    // `a.b.c` where `a.b` is missing stays missing, so `a.b.c is defined` and `a.b.c | default(x)` work.
    if (object instanceof MissingValue) return object;
    if (isUndefinedValue(object)) throw this.undefined(object);
    let property = node.property as Node;
    let name: string;
    if (node.computed) {
      if (property.type === 'SliceExpression') {
        const part = (key: 'start' | 'stop' | 'step') =>
          property[key] === undefined
            ? undefined
            : precomputed(this.defined(this.evaluate(property[key] as Statement, environment)));
        property = { type: 'SliceExpression', start: part('start'), stop: part('stop'), step: part('step') };
        name = '[...]';
      } else {
        const key = this.defined(this.evaluate(property as unknown as Statement, environment));
        property = precomputed(key);
        name = String(key.value);
      }
    } else {
      name = String(property.value);
    }
    const value = super.evaluate(
      {
        type: 'MemberExpression',
        object: precomputed(object),
        property,
        computed: node.computed,
      } as unknown as Statement,
      environment,
    );
    if (!isUndefinedValue(value)) return value;
    const isMapping = object.type === 'ObjectValue' || object.type === 'NamespaceValue';
    return new MissingValue({
      expression: describeExpression(node),
      kind: 'attribute',
      name,
      owner: describeExpression(node.object as Node),
      ownerKind: describeKind(object),
      candidates: isMapping ? [...(object.value as Map<string, Value>).keys()] : [],
    });
  }

  private filter(operand: Value, filterNode: Node, environment: Environment): Value {
    const isCall = filterNode.type === 'CallExpression';
    const callee = isCall ? (filterNode.callee as Node) : filterNode;
    const name = callee.type === 'Identifier' ? (callee.value as string) : '';
    const argNodes = isCall ? (filterNode.args as Node[]) : [];
    const positional: Value[] = [];
    const keywords = new Map<string, Value>();
    const evaluateArguments = (allowUndefined: boolean) => {
      for (const arg of argNodes) {
        if (arg.type === 'KeywordArgumentExpression') {
          const value = this.evaluate(arg.value as Statement, environment);
          keywords.set((arg.key as Node).value as string, allowUndefined ? value : this.defined(value));
        } else {
          const value = this.evaluate(arg as unknown as Statement, environment);
          positional.push(allowUndefined ? value : this.defined(value));
        }
      }
    };
    const arg = (index: number, keyword: string): Value | undefined =>
      positional[index] ?? keywords.get(keyword);

    if (name === 'default' || name === 'd') {
      // As in the original conductor, `default` also replaces null (Jinja's replaces only undefined).
      evaluateArguments(true);
      const fallback = arg(0, 'default_value') ?? new StringValue('');
      const boolean = arg(1, 'boolean');
      const useFallback =
        isUndefinedValue(operand) ||
        operand.type === 'NullValue' ||
        (boolean?.__bool__().value === true && !operand.__bool__().value);
      return useFallback ? fallback : operand;
    }

    this.defined(operand);
    if (!OWN_FILTERS.has(name)) {
      if (name !== '' && !KNOWN_FILTERS.has(name)) {
        const suggestion = closestName(name, KNOWN_FILTERS);
        throw new TemplateError('CONDUCTOR_TEMPLATE_EVAL', `unknown filter '${name}'`, {
          location: this.location,
          hint: suggestion ? `did you mean '${suggestion}'?` : undefined,
        });
      }
      const filter = isCall
        ? {
            ...filterNode,
            args: argNodes.map((a) =>
              a.type === 'KeywordArgumentExpression'
                ? { ...a, value: requireDefined(a.value) }
                : requireDefined(a),
            ),
          }
        : filterNode;
      return super.evaluate(
        { type: 'FilterExpression', operand: precomputed(operand), filter } as unknown as Statement,
        environment,
      );
    }

    evaluateArguments(false);
    switch (name) {
      case 'json':
      case 'tojson': {
        // `json` keeps the original conductor's pretty default (indent 2); `tojson` is Jinja's compact form.
        const indentValue = arg(0, 'indent');
        const indent =
          indentValue === undefined ? (name === 'json' ? 2 : undefined) : Number(indentValue.value);
        const native = toNative(operand);
        const sortKeys = keywords.get('sort_keys')?.__bool__().value === true;
        const data = sortKeys ? sortObjectKeys(native) : native;
        return new StringValue(indent ? (JSON.stringify(data, null, indent) ?? 'null') : compactJson(data));
      }
      case 'length':
      case 'count': {
        if (operand.type === 'StringValue') return new IntegerValue([...(operand.value as string)].length);
        if (operand.type === 'ArrayValue' || operand.type === 'TupleValue') {
          return new IntegerValue((operand.value as Value[]).length);
        }
        if (operand.type === 'ObjectValue')
          return new IntegerValue((operand.value as Map<string, Value>).size);
        throw this.evalError(`filter '${name}' needs a string, list or object, not ${describeKind(operand)}`);
      }
      case 'trim': {
        const text = renderValue(operand);
        const chars = arg(0, 'chars');
        if (chars === undefined) return new StringValue(text.trim());
        const set = new Set(String(chars.value));
        let start = 0;
        let end = text.length;
        while (start < end && set.has(text[start] ?? '')) start++;
        while (end > start && set.has(text[end - 1] ?? '')) end--;
        return new StringValue(text.slice(start, end));
      }
      case 'upper':
        return new StringValue(renderValue(operand).toUpperCase());
      case 'lower':
        return new StringValue(renderValue(operand).toLowerCase());
      case 'string':
        return new StringValue(renderValue(operand));
      case 'shell_quote': {
        const isList = operand.type === 'ArrayValue' || operand.type === 'TupleValue';
        return new StringValue(
          shellQuote(isList ? (operand.value as Value[]).map(renderValue) : renderValue(operand)),
        );
      }
      case 'join': {
        const separator = arg(0, 'd') ?? keywords.get('separator');
        const attribute = arg(1, 'attribute');
        let items: Value[];
        if (operand.type === 'ArrayValue' || operand.type === 'TupleValue') items = operand.value as Value[];
        else if (operand.type === 'StringValue')
          items = [...(operand.value as string)].map((c) => new StringValue(c));
        else throw this.evalError(`filter 'join' needs a list, not ${describeKind(operand)}`);
        if (attribute !== undefined) {
          const key = String(attribute.value);
          items = items.map((item) =>
            item.type === 'ObjectValue'
              ? this.defined((item.value as Map<string, Value>).get(key) ?? new UndefinedValue())
              : new UndefinedValue(),
          );
        }
        return new StringValue(
          items.map((item) => renderValue(this.defined(item))).join(separator ? renderValue(separator) : ''),
        );
      }
      default:
        throw this.evalError(`unknown filter '${name}'`);
    }
  }

  /** Runs a program or evaluates an expression node, reporting library errors as CONDUCTOR_TEMPLATE_EVAL. */
  evaluateTop(node: Node): Value {
    try {
      return this.evaluate(node as unknown as Statement, this.global);
    } catch (error) {
      if (error instanceof TemplateError || error instanceof RenderSliceExpired) throw error;
      if (error instanceof RangeError && /string length/.test(error.message)) throw this.meter.tooLong();
      const message = error instanceof Error ? error.message : String(error);
      throw this.evalError(`cannot evaluate template: ${message}`, error);
    }
  }
}

function sortObjectKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortObjectKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortObjectKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

function range(args: Value[], meter: RenderMeter): Value {
  const numbers = args.map((arg) => {
    if (arg.type !== 'IntegerValue') throw new Error('range() takes integers');
    return arg.value as number;
  });
  const [a = 0, b, step = 1] = numbers;
  const [start, stop] = b === undefined ? [0, a] : [a, b];
  if (step === 0) throw new Error('range() step must not be zero');
  const length = Math.max(0, Math.ceil((stop - start) / step));
  meter.items(length, `range(${numbers.join(', ')}) would build`);
  return new ArrayValue(Array.from({ length }, (_, i) => new IntegerValue(start + i * step)));
}

function createEnvironment(scope: Record<string, unknown>, meter: RenderMeter): Environment {
  const globals = new Environment();
  for (const [name, value] of [
    ['true', true],
    ['false', false],
    ['none', null],
    ['True', true],
    ['False', false],
    ['None', null],
  ] as const) {
    globals.setVariable(name, toRuntime(value));
  }
  globals.setVariable('range', new FunctionValue((args: Value[]) => range(args, meter)));
  const environment = new Environment(globals);
  // Converted when a template reads them: a scope may hold large values (a for-each source of
  // thousands of items) that most templates never touch.
  (environment as unknown as { variables: Map<string, Value> }).variables = new ScopeVariables(scope);
  return environment;
}

/** The variables of a scope, converted to runtime values on first read. */
class ScopeVariables extends Map<string, Value> {
  constructor(private readonly scope: Record<string, unknown>) {
    super();
  }

  private inScope(name: string): boolean {
    if (!Object.hasOwn(this.scope, name)) return false;
    const value = this.scope[name];
    return value !== undefined && typeof value !== 'function';
  }

  override has(name: string): boolean {
    return super.has(name) || this.inScope(name);
  }

  override get(name: string): Value | undefined {
    if (!super.has(name) && this.inScope(name)) super.set(name, toRuntime(this.scope[name]));
    return super.get(name);
  }

  override keys(): MapIterator<string> {
    const names = new Set(super.keys());
    for (const name of Object.keys(this.scope)) if (this.inScope(name)) names.add(name);
    return names.keys();
  }
}

/** Evaluates a parsed program or expression node against a scope, within `meter`'s budget. */
export function run(
  node: Node,
  scope: Record<string, unknown>,
  location: TemplateLocation | undefined,
  meter: RenderMeter,
): Value {
  const interpreter = new StrictInterpreter(createEnvironment(scope, meter), location, meter);
  return interpreter.evaluateTop(node);
}

/** The error for using an undefined value as a result (e.g. `evaluateExpression('planer')`). */
export function undefinedResultError(value: Value, location: TemplateLocation | undefined): TemplateError {
  const missing =
    value instanceof MissingValue
      ? value.missing
      : { expression: 'value', kind: 'variable' as const, name: 'value', candidates: [] };
  return undefinedError(missing, location);
}
