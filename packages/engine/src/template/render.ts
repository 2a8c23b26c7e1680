/**
 * Jinja2 templates for prompts, routes and outputs, interpreted by @huggingface/jinja (no code generation,
 * so a template cannot run arbitrary code). Undefined variables and attributes are errors that name them.
 */
import { analyzeTemplate, looksLikeTemplate, type TemplateMode } from './analyze.js';
import { DEFAULT_RENDER_BUDGET, type RenderBudget, RenderMeter, renderLimits } from './budget.js';
import { TemplateError, type TemplateLocation } from './errors.js';
import { BAIL, fastOperation } from './fast.js';
import { locate, performOperation, type TemplateOperation, type TemplateWhere } from './operations.js';

export { analyzeTemplate, looksLikeTemplate, TemplateError };

/** Options of the synchronous template functions. */
export interface TemplateOptions {
  /** Bounds on this render; default {@link DEFAULT_RENDER_BUDGET}. */
  budget?: Partial<RenderBudget>;
}

/**
 * Runs one operation on this thread within its budget. A render past its time ends with a
 * CONDUCTOR_TEMPLATE_BUDGET error, but nothing else runs meanwhile: a run renders through
 * `createTemplateRenderer`, which moves a long render to a worker so signals and timeouts still hold.
 */
function perform(
  operation: TemplateOperation,
  scope: Record<string, unknown>,
  whereGiven: TemplateWhere | undefined,
  options: TemplateOptions,
): unknown {
  const fast = fastOperation(operation, scope);
  if (fast !== BAIL) return fast;
  const where = locate(whereGiven);
  const limits = renderLimits({ ...DEFAULT_RENDER_BUDGET, ...options.budget }, Date.now());
  return performOperation(operation, scope, where, new RenderMeter(limits, where));
}

/**
 * Renders a Jinja2 template. Objects and lists print as JSON, null prints as nothing, and a trailing newline
 * is kept. Reading an undefined variable or attribute is a CONDUCTOR_TEMPLATE_UNDEFINED error (but
 * `is defined`, `| default(...)` and `{% if x %}` work as in Jinja).
 */
export function renderTemplate(
  source: string,
  scope: Record<string, unknown>,
  where?: TemplateWhere,
  options: TemplateOptions = {},
): string {
  return perform({ kind: 'render', source }, scope, where, options) as string;
}

/**
 * Evaluates an expression to a native value (number, boolean, array, object, ...). Accepts a bare
 * expression (`a.b + 1`) or a single `{{ a.b }}`; any other template is rendered to a string.
 */
export function evaluateExpression(
  expr: string,
  scope: Record<string, unknown>,
  where?: TemplateWhere,
  options: TemplateOptions = {},
): unknown {
  return perform({ kind: 'expression', source: expr }, scope, where, options);
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
  where?: TemplateWhere,
  options: TemplateOptions = {},
): unknown {
  return perform({ kind: 'value', value }, scope, where, options);
}

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
  where?: TemplateWhere,
  options: TemplateOptions = {},
): boolean {
  return perform({ kind: 'condition', source: expr }, scope, where, options) as boolean;
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
