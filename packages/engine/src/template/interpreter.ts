/**
 * A strict interpreter over @huggingface/jinja's.
 *
 * The library treats an undefined variable like Jinja's default `Undefined`: it renders as an empty string,
 * which in a prompt silently drops content. Here every lookup that finds nothing yields a `MissingValue` (still
 * an `UndefinedValue` to the library, so `is defined`, `default(...)` and `if x` keep their Jinja meaning) that
 * remembers what was looked up. Using it anywhere else (printing it, comparing it, filtering it, calling it,
 * iterating it) is a CONDUCTOR_TEMPLATE_UNDEFINED error that names it.
 *
 * Nodes are rebuilt as plain objects with the `type` the interpreter switches on (library.ts has the
 * library's classes and says which of its internals are used).
 */
import { type RenderMeter, RenderSliceExpired } from './budget.js';
import { TemplateError, type TemplateLocation } from './errors.js';
import { applyOwnFilter, KNOWN_FILTERS, OWN_FILTERS } from './filters.js';
import {
  ArrayValue,
  BooleanValue,
  Environment,
  FunctionValue,
  IntegerValue,
  Interpreter,
  type Node,
  replaceVariables,
  type Statement,
  StringValue,
  type Value,
} from './library.js';
import {
  describeExpression,
  isUndefinedValue,
  MissingValue,
  undefinedError,
  visibleNames,
} from './missing.js';
import { OUTPUT } from './parse.js';
import { closestName } from './suggest.js';
import { deepEqual, describeKind, renderValue, toNative, toRuntime } from './values.js';

const PRECOMPUTED = 'ConductorPrecomputed';
const REQUIRE_DEFINED = 'ConductorRequireDefined';
const precomputed = (value: Value): Node => ({ type: PRECOMPUTED, value });
const requireDefined = (inner: unknown): Node => ({ type: REQUIRE_DEFINED, inner });

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
    return applyOwnFilter({
      name,
      operand,
      arg,
      keywords,
      defined: (value) => this.defined(value),
      evalError: (detail) => this.evalError(detail),
    });
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

/**
 * The meter of the evaluation running now. Evaluations are synchronous, so the one globals
 * environment (built once: building it per evaluation was a fifth of a `set` step's cost) can hand
 * `range` the right meter. A stack, so an evaluation nested in another (none today) still works.
 */
let activeMeter: RenderMeter | null = null;

/** The literal names of the globals environment (a scope may shadow them). */
export const LITERAL_NAMES: ReadonlyMap<string, boolean | null> = new Map([
  ['true', true],
  ['false', false],
  ['none', null],
  ['True', true],
  ['False', false],
  ['None', null],
]);

/** `true`, `none`, `range`, ...: read-only for templates (`{% set %}` writes the scope's environment). */
let globals: Environment | null = null;

function globalEnvironment(): Environment {
  if (globals) return globals;
  globals = new Environment();
  for (const [name, value] of LITERAL_NAMES) globals.setVariable(name, toRuntime(value));
  globals.setVariable(
    'range',
    new FunctionValue((args: Value[]) => {
      if (!activeMeter) throw new Error('range() called outside an evaluation');
      return range(args, activeMeter);
    }),
  );
  return globals;
}

function createEnvironment(scope: Record<string, unknown>): Environment {
  const environment = new Environment(globalEnvironment());
  // Converted when a template reads them: a scope may hold large values (a for-each source of
  // thousands of items) that most templates never touch.
  replaceVariables(environment, new ScopeVariables(scope));
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
  const interpreter = new StrictInterpreter(createEnvironment(scope), location, meter);
  const outer = activeMeter;
  activeMeter = meter;
  try {
    return interpreter.evaluateTop(node);
  } finally {
    activeMeter = outer;
  }
}
