import type { TemplateLocation } from '../template/errors.js';
import type { Rendered, TemplateRenderer } from '../template/renderer.js';
import type { TemplateScope } from './types.js';

const SINGLE_EXPRESSION = /^\s*\{\{-?([\s\S]*?)-?\}\}\s*$/;

/** The expression of a template that is exactly one `{{ expr }}` (whitespace around allowed), else null. */
export function singleExpression(template: string): string | null {
  const match = SINGLE_EXPRESSION.exec(template);
  if (!match?.[1]) return null;
  const inner = match[1];
  if (inner.includes('{{') || inner.includes('}}') || inner.includes('{%')) return null;
  return inner.trim();
}

/**
 * Renders a YAML value whose strings are templates. A string that is exactly one `{{ expr }}` becomes
 * the expression's native value (a number stays a number, a list a list); other strings render to
 * text; objects and arrays render recursively; other scalars are kept. The result is JSON-safe.
 */
export function renderValue(
  templates: TemplateRenderer,
  value: unknown,
  scope: TemplateScope,
  where: TemplateLocation,
): Rendered<unknown> {
  const rendered = templates.evaluateValue(value, scope, where);
  return rendered instanceof Promise ? rendered.then(jsonSafe) : jsonSafe(rendered);
}

/**
 * Like {@link renderValue} for one template, then, as the original does with final output values, rendered
 * text is typed ({@link typeRenderedText}): `"{{ x | json }}"` gives the list. A template that is one
 * `{{ expr }}` keeps its value's type when that is not text.
 */
export async function renderCoerced(
  templates: TemplateRenderer,
  template: unknown,
  scope: TemplateScope,
  where: TemplateLocation,
): Promise<unknown> {
  const value = await renderValue(templates, template, scope, where);
  if (typeof value !== 'string' || typeof template !== 'string') return value;
  return typeRenderedText(value);
}

const PYTHON_WORDS: Readonly<Record<string, unknown>> = { True: true, False: false, None: null };
const INTEGER = /^\s*[-+]?\d+\s*$/;
const FLOAT = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

/**
 * The original's typing of a rendered final output value: `True`/`False`/`None` become true/false/null; text
 * starting with `{`, `[` or `"`, or equal to true/false/null, is read as JSON; text with a `.` as a float,
 * other text as an integer when it is one (`1e5` stays text); anything else stays text.
 */
export function typeRenderedText(text: string): unknown {
  if (Object.hasOwn(PYTHON_WORDS, text.trim())) return PYTHON_WORDS[text.trim()];
  const trimmed = text.trim();
  if (/^[{["]/.test(trimmed) || trimmed === 'true' || trimmed === 'false' || trimmed === 'null') {
    try {
      return JSON.parse(trimmed);
    } catch {
      return text;
    }
  }
  if (text.includes('.')) return FLOAT.test(text) ? Number.parseFloat(trimmed) : text;
  if (INTEGER.test(text)) {
    const value = Number(trimmed);
    return Number.isSafeInteger(value) ? value : text;
  }
  return text;
}

/** A value that survives JSON (events, checkpoints): undefined becomes null, non-finite numbers null. */
export function jsonSafe(value: unknown): unknown {
  if (value === undefined) return null;
  const text = JSON.stringify(value);
  return text === undefined ? null : JSON.parse(text);
}

/** A JSON preview of a value, cut at `max` characters. */
export function valueRepr(value: unknown, max = 512): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? 'null';
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max)}… [truncated]` : text;
}

/** The JSON type name of a value: string, number, boolean, null, array or object. */
export function jsonTypeOf(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'object' ? 'object' : typeof value;
}
