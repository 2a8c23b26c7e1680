/**
 * The four things a template field can be asked for (rendered text, an expression's value, a YAML value
 * with templates in it, a route condition), each within a {@link RenderMeter}. Both the synchronous API
 * (index.ts) and the renderer (on the main thread or in a worker) run them.
 */
import { looksLikeTemplate } from './analyze.js';
import type { RenderMeter } from './budget.js';
import { TemplateError, type TemplateLocation } from './errors.js';
import { run } from './interpreter.js';
import type { Node, Value } from './library.js';
import { isUndefinedValue, undefinedResultError } from './missing.js';
import { parseExpression, parseTemplate, singleExpression } from './parse.js';
import { renderValue, toNative } from './values.js';

/** One template field to evaluate. Plain data: it travels to a render worker. */
export type TemplateOperation =
  | { kind: 'render'; source: string }
  | { kind: 'expression'; source: string }
  | { kind: 'value'; value: unknown }
  | { kind: 'condition'; source: string };

/** Where a template comes from; a string is taken as the field, e.g. `"reviewer.prompt"`. */
export type TemplateWhere = TemplateLocation | string;

export const locate = (where: TemplateWhere | undefined): TemplateLocation | undefined =>
  typeof where === 'string' ? { field: where } : where;

export function performOperation(
  operation: TemplateOperation,
  scope: Record<string, unknown>,
  where: TemplateLocation | undefined,
  meter: RenderMeter,
): unknown {
  switch (operation.kind) {
    case 'render':
      return render(operation.source, scope, where, meter);
    case 'expression':
      return expression(operation.source, scope, where, meter);
    case 'value':
      return value(operation.value, scope, where, meter);
    case 'condition':
      return condition(operation.source, scope, where, meter);
  }
}

function render(
  source: string,
  scope: Record<string, unknown>,
  where: TemplateLocation | undefined,
  meter: RenderMeter,
): string {
  const program = parseTemplate(source, where);
  const text = renderValue(run(program as unknown as Node, scope, where, meter));
  // Jinja's keep_trailing_newline, as in the original conductor (the parser drops one trailing newline).
  return source.endsWith('\n') ? `${text}\n` : text;
}

function evaluateNode(
  node: Node,
  scope: Record<string, unknown>,
  where: TemplateLocation | undefined,
  meter: RenderMeter,
): unknown {
  const result = run(node, scope, where, meter);
  if (isUndefinedValue(result)) throw undefinedResultError(result, where);
  try {
    return toNative(result);
  } catch (error) {
    throw new TemplateError('CONDUCTOR_TEMPLATE_EVAL', (error as Error).message, {
      location: where,
      cause: error,
    });
  }
}

function expression(
  expr: string,
  scope: Record<string, unknown>,
  where: TemplateLocation | undefined,
  meter: RenderMeter,
): unknown {
  if (looksLikeTemplate(expr)) {
    const single = singleExpression(expr, where);
    return single ? evaluateNode(single, scope, where, meter) : render(expr, scope, where, meter);
  }
  return evaluateNode(parseExpression(expr, where), scope, where, meter);
}

function value(
  input: unknown,
  scope: Record<string, unknown>,
  where: TemplateLocation | undefined,
  meter: RenderMeter,
): unknown {
  if (typeof input === 'string') {
    if (!looksLikeTemplate(input)) return input;
    const single = singleExpression(input, where);
    return single ? evaluateNode(single, scope, where, meter) : render(input, scope, where, meter);
  }
  if (Array.isArray(input)) return input.map((item) => value(item, scope, where, meter));
  if (input !== null && typeof input === 'object') {
    return Object.fromEntries(
      Object.entries(input).map(([key, item]) => [key, value(item, scope, where, meter)]),
    );
  }
  return input;
}

const FALSE_TEXT = new Set(['', 'false', '0', 'no', 'n', 'off', 'none', 'null']);

function condition(
  expr: string,
  scope: Record<string, unknown>,
  where: TemplateLocation | undefined,
  meter: RenderMeter,
): boolean {
  if (looksLikeTemplate(expr)) {
    const text = render(expr, scope, where, meter).trim().toLowerCase();
    return !FALSE_TEXT.has(text);
  }
  const result: Value = run(parseExpression(expr, where), scope, where, meter);
  return result.__bool__().value;
}
