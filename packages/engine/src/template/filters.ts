// The filters implemented here (strict about undefined values, and the original conductor's `json`,
// `default` and `shell_quote`), and the names of every filter and test a template may use.
import type { TemplateError } from './errors.js';
import { Environment, IntegerValue, StringValue, UndefinedValue, type Value } from './library.js';
import { shellQuote } from './shell.js';
import { compactJson, describeKind, renderValue, toNative } from './values.js';

/** Filters implemented here; the rest are the library's. */
export const OWN_FILTERS = new Set([
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

/** One call of a filter of {@link OWN_FILTERS} (but `default`), its arguments evaluated and defined. */
export interface FilterCall {
  name: string;
  operand: Value;
  /** The positional argument at `index`, else the keyword argument `keyword`. */
  arg(index: number, keyword: string): Value | undefined;
  keywords: ReadonlyMap<string, Value>;
  /** `value`, or a CONDUCTOR_TEMPLATE_UNDEFINED error naming what is missing. */
  defined(value: Value): Value;
  evalError(detail: string): TemplateError;
}

export function applyOwnFilter(call: FilterCall): Value {
  const { name, operand, arg, keywords } = call;
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
      if (operand.type === 'ObjectValue') return new IntegerValue((operand.value as Map<string, Value>).size);
      throw call.evalError(`filter '${name}' needs a string, list or object, not ${describeKind(operand)}`);
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
      else throw call.evalError(`filter 'join' needs a list, not ${describeKind(operand)}`);
      if (attribute !== undefined) {
        const key = String(attribute.value);
        items = items.map((item) =>
          item.type === 'ObjectValue'
            ? call.defined((item.value as Map<string, Value>).get(key) ?? new UndefinedValue())
            : new UndefinedValue(),
        );
      }
      return new StringValue(
        items.map((item) => renderValue(call.defined(item))).join(separator ? renderValue(separator) : ''),
      );
    }
    default:
      throw call.evalError(`unknown filter '${name}'`);
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
