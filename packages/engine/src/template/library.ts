/**
 * Everything of @huggingface/jinja that Conductor uses, and the only file that imports it. The library
 * exports only `Environment`, `Interpreter`, `tokenize` and `parse`, and the strict interpreter
 * (interpreter.ts) leans on parts it does not document:
 * - the runtime value classes (`StringValue`, `ArrayValue`, ...), recovered here from values it produces,
 *   each with `type` equal to its class name, `value` holding the JavaScript value, and `__bool__()`;
 * - `Environment`'s `parent`, `variables` (a Map this file may replace: {@link replaceVariables}) and `tests`;
 * - `Interpreter.evaluate(node, environment)`, overridden, which the library calls for every child node;
 * - the AST: node `type` names and their fields (`If.body/alternate`, `For.iterable/defaultBlock`,
 *   `MemberExpression.object/property/computed`, `BinaryExpression.operator.value`, ...).
 * The version is pinned exactly in package.json, and library.test.ts checks each of these, saying what
 * changed, before a new version can be taken. Its published declarations use extensionless relative
 * imports, which `moduleResolution: NodeNext` cannot follow (everything would be `any`), so the parts used
 * are restated.
 */
import * as jinja from '@huggingface/jinja';

/** A parsed node, seen loosely: the library's AST classes are not exported. */
export interface Node {
  type: string;
  [key: string]: unknown;
}

export interface Program extends Node {
  type: 'Program';
  body: Node[];
}

/** A runtime value of the library (StringValue, ArrayValue, ...). */
export interface Value {
  type: string;
  value: unknown;
  __bool__(): { value: boolean };
  toString(): string;
}

export interface Environment {
  parent?: Environment | undefined;
  variables: Map<string, Value>;
  tests: ReadonlyMap<string, (...values: Value[]) => boolean>;
  set(name: string, value: unknown): Value;
  setVariable(name: string, value: Value): Value;
  lookupVariable(name: string): Value;
}

export interface InterpreterInstance {
  global: Environment;
  evaluate(statement: Node | undefined, environment: Environment): Value;
}

export const Environment = jinja.Environment as unknown as new (parent?: Environment) => Environment;
export const Interpreter = jinja.Interpreter as unknown as new (
  environment?: Environment,
) => InterpreterInstance;
export const tokenize = jinja.tokenize as unknown as (
  source: string,
  options: { lstrip_blocks: boolean; trim_blocks: boolean },
) => unknown;
export const parse = jinja.parse as unknown as (tokens: unknown) => Program;
export type Statement = Node;

export type ValueConstructor = new (value?: unknown) => Value;

const probeEnvironment = new Environment();
const probeInterpreter = new Interpreter(probeEnvironment);
const classOf = (value: Value): ValueConstructor => value.constructor as ValueConstructor;
const literal = (type: string, value: unknown): Value =>
  probeInterpreter.evaluate({ type, value } as unknown as Statement, probeEnvironment);

export const UndefinedValue = classOf(probeEnvironment.lookupVariable('\u0000conductor-probe'));
export const StringValue = classOf(literal('StringLiteral', ''));
export const IntegerValue = classOf(literal('IntegerLiteral', 0));
export const FloatValue = classOf(literal('FloatLiteral', 0.5));
export const BooleanValue = classOf(probeEnvironment.set('\u0000bool', true));
export const NullValue = classOf(probeEnvironment.set('\u0000null', null));
export const ArrayValue = classOf(literal('ArrayLiteral', []));
export const ObjectValue = classOf(literal('ObjectLiteral', new Map()));
export const FunctionValue = classOf(probeEnvironment.set('\u0000fn', () => null));

/**
 * Makes `variables` the variables of `environment` (a scope converted on first read). The library keeps
 * them in a plain `variables` Map that it reads directly.
 */
export function replaceVariables(environment: Environment, variables: Map<string, Value>): void {
  (environment as { variables: Map<string, Value> }).variables = variables;
}
