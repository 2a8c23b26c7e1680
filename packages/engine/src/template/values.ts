// Runtime values of the library and plain JavaScript, both ways, and how values print.
import {
  ArrayValue,
  BooleanValue,
  FloatValue,
  IntegerValue,
  NullValue,
  ObjectValue,
  StringValue,
  UndefinedValue,
  type Value,
} from './library.js';

/** What a value is, for messages: `a string`, `a list`, `null`... */
export function describeKind(value: Value): string {
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

/** Equality of plain JavaScript values, as Jinja's `==` compares lists and objects. */
export function deepEqual(a: unknown, b: unknown): boolean {
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
