/**
 * Jinja2 templates for prompts, routes and outputs, interpreted by @huggingface/jinja (no code generation,
 * so a template cannot run arbitrary code). Undefined variables and attributes are errors that name them.
 */
import { analyzeTemplate, looksLikeTemplate, type TemplateMode } from './analyze.js';
import { TemplateError, type TemplateLocation } from './errors.js';
import {
  isUndefinedValue,
  type Node,
  parseExpression,
  parseTemplate,
  renderValue,
  run,
  singleExpression,
  toNative,
  undefinedResultError,
  type Value,
} from './runtime.js';

export type { TemplateAnalysis, TemplateMode } from './analyze.js';
export type { TemplateErrorCode, TemplateErrorDetails, TemplateLocation } from './errors.js';
export { KNOWN_FILTERS, KNOWN_TESTS } from './runtime.js';
export { closestName } from './suggest.js';
export { analyzeTemplate, looksLikeTemplate, TemplateError };

/**
 * Renders a Jinja2 template. Objects and lists print as JSON, null prints as nothing, and a trailing newline
 * is kept. Reading an undefined variable or attribute is a CONDUCTOR_TEMPLATE_UNDEFINED error (but
 * `is defined`, `| default(...)` and `{% if x %}` work as in Jinja).
 */
export function renderTemplate(
  source: string,
  scope: Record<string, unknown>,
  whereGiven?: TemplateWhere,
): string {
  const where = locate(whereGiven);
  const program = parseTemplate(source, where);
  const rendered = run(program as unknown as Node, scope, where);
  const text = renderValue(rendered);
  // Jinja's keep_trailing_newline, as in the original conductor (the parser drops one trailing newline).
  return source.endsWith('\n') ? `${text}\n` : text;
}

/** Where a template comes from; a string is taken as the field, e.g. `"reviewer.prompt"`. */
export type TemplateWhere = TemplateLocation | string;

const locate = (where: TemplateWhere | undefined): TemplateLocation | undefined =>
  typeof where === 'string' ? { field: where } : where;

function evaluateNode(
  node: Node,
  scope: Record<string, unknown>,
  where: TemplateLocation | undefined,
): unknown {
  const value = run(node, scope, where);
  if (isUndefinedValue(value)) throw undefinedResultError(value, where);
  try {
    return toNative(value);
  } catch (error) {
    throw new TemplateError('CONDUCTOR_TEMPLATE_EVAL', (error as Error).message, {
      location: where,
      cause: error,
    });
  }
}

/**
 * Evaluates an expression to a native value (number, boolean, array, object, ...). Accepts a bare
 * expression (`a.b + 1`) or a single `{{ a.b }}`; any other template is rendered to a string.
 */
export function evaluateExpression(
  expr: string,
  scope: Record<string, unknown>,
  whereGiven?: TemplateWhere,
): unknown {
  const where = locate(whereGiven);
  if (looksLikeTemplate(expr)) {
    const single = singleExpression(expr, where);
    return single ? evaluateNode(single, scope, where) : renderTemplate(expr, scope, where);
  }
  return evaluateNode(parseExpression(expr, where), scope, where);
}

/**
 * Evaluates a YAML value whose strings are templates, keeping native types where it can: a string that is a
 * single `{{ expression }}` becomes that expression's value, another string with template syntax renders to a
 * string, a string without template syntax stays as is, and arrays and objects are evaluated item by item.
 * This is how `set` values and `terminate` output templates are meant to be evaluated.
 */
export function evaluateValue(
  value: unknown,
  scope: Record<string, unknown>,
  whereGiven?: TemplateWhere,
): unknown {
  const where = locate(whereGiven);
  if (typeof value === 'string') {
    if (!looksLikeTemplate(value)) return value;
    const single = singleExpression(value, where);
    return single ? evaluateNode(single, scope, where) : renderTemplate(value, scope, where);
  }
  if (Array.isArray(value)) return value.map((item) => evaluateValue(item, scope, where));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, evaluateValue(item, scope, where)]),
    );
  }
  return value;
}

const FALSE_TEXT = new Set(['', 'false', '0', 'no', 'n', 'off', 'none', 'null']);

/**
 * Evaluates a route condition. A template (`{{ review.output.score >= 8 }}`) is rendered and its text read as a
 * boolean (`true/false/yes/no/1/0/on/off/none/null`, empty is false, any other text is true), as in the
 * original conductor; an undefined value in it is an error. A bare expression (`score >= 8 and approved`,
 * `not done`, `x in ['a', 'b']`) is evaluated with Jinja/Python truthiness, like `{% if %}`: an undefined
 * name is false.
 */
export function evaluateCondition(
  expr: string,
  scope: Record<string, unknown>,
  whereGiven?: TemplateWhere,
): boolean {
  const where = locate(whereGiven);
  if (looksLikeTemplate(expr)) {
    const text = renderTemplate(expr, scope, where).trim().toLowerCase();
    return !FALSE_TEXT.has(text);
  }
  const value: Value = run(parseExpression(expr, where), scope, where);
  return value.__bool__().value;
}

/**
 * The top-level names a template reads, excluding loop variables, names it sets and builtins: for validation
 * ("template references step 'planer' which does not exist"). `mode: 'expression'` reads a bare expression;
 * `'auto'` decides like `evaluateCondition`. Throws CONDUCTOR_TEMPLATE_SYNTAX.
 */
export function templateReferences(source: string, options: { mode?: TemplateMode } = {}): string[] {
  return analyzeTemplate(source, options).references;
}

/** Parses a template (or, with `mode: 'expression'`, a bare expression) and throws if it is invalid. */
export function checkTemplateSyntax(
  source: string,
  options: { mode?: TemplateMode; where?: TemplateLocation } = {},
): void {
  analyzeTemplate(source, { mode: options.mode ?? 'template', location: options.where });
}
