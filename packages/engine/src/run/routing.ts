import { describeError, StepFailure } from '../steps/errors.js';
import { gateRoute } from '../steps/human-gate.js';
import { questionsRoute } from '../steps/questions.js';
import type { RouteChoice, RunnableStep, TemplateScope } from '../steps/types.js';
import { renderCoerced, valueRepr } from '../steps/values.js';
import type { TemplateRenderer } from '../template/renderer.js';
import type { RouteDefinition, WorkflowDefinition } from '../workflow/types.js';
import { routeScope } from './scope.js';

export const END = '$end';

/**
 * The first route whose `when` holds (a route without `when` always does); a step without routes
 * ends the run. Null when routes exist but none matches. A condition that cannot be evaluated
 * throws a `TemplateError` StepFailure naming the step and the route.
 */
export async function selectRoute(
  step: RunnableStep,
  output: unknown,
  scope: TemplateScope,
  templates: TemplateRenderer,
): Promise<RouteChoice | null> {
  // A gate's chosen option may name its own route, which overrides the step's routes.
  const chosen =
    step.type === 'human_gate'
      ? gateRoute(step, output)
      : step.type === 'questions'
        ? questionsRoute(step, output)
        : null;
  if (chosen !== null) return { to: chosen, route: null, index: -1 };
  const routes = step.routes ?? [];
  if (routes.length === 0) return { to: END, route: null, index: -1 };
  for (const [index, route] of routes.entries()) {
    if (route.when === undefined || route.when.trim() === '') return { to: route.to, route, index };
    let holds: boolean;
    try {
      const held = templates.evaluateCondition(route.when, routeScope(scope, output, route.when), {
        step: step.name,
        field: `routes[${index}].when`,
      });
      holds = held instanceof Promise ? await held : held;
    } catch (error) {
      const { errorType, message } = describeError(error);
      throw new StepFailure(
        step.name,
        errorType,
        `step "${step.name}", route ${index + 1} (to: ${route.to}, when: ${route.when}): the condition could not be evaluated: ${message}`,
        { cause: error },
      );
    }
    if (holds) return { to: route.to, route, index };
  }
  return null;
}

/** The run-ending error when no route of `step` matches `output`. */
export function noRouteMatched(step: Pick<RunnableStep, 'name' | 'routes'>, output: unknown): StepFailure {
  const routes = (step.routes ?? []).map(
    (route, i) => `  ${i + 1}. to ${route.to} when: ${route.when ?? '(always)'}`,
  );
  return new StepFailure(
    step.name,
    'NoMatchingRoute',
    `no route of step "${step.name}" matched its output ${valueRepr(output, 300)}. Its routes, in order:\n${routes.join('\n')}\n` +
      'Add a last route without "when:" as the fallback.',
  );
}

/**
 * The run's final output at `$end`: the workflow's top-level `output:` with the taken route's `output` keys
 * over it (as in the original), else the latest step output. Rendered text is typed as the original types it
 * (`"42"` → 42, `"[1, 2]"` → a list); a template that is one `{{ expr }}` keeps its value's type.
 */
export async function renderFinalOutput(
  templates: TemplateRenderer,
  definition: WorkflowDefinition,
  route: RouteDefinition | null,
  scope: TemplateScope,
  lastOutput: unknown,
  file?: string,
): Promise<unknown> {
  if (route?.output === undefined && definition.output === undefined) return lastOutput ?? null;
  const fields: Record<string, unknown> = {};
  const render = async (templatesOf: Record<string, unknown>, field: string) => {
    for (const [key, template] of Object.entries(templatesOf)) {
      fields[key] = await renderCoerced(templates, template, scope, { file, field: `${field}.${key}` });
    }
  };
  if (definition.output !== undefined) {
    const overridden = route?.output ?? {};
    const kept = Object.entries(definition.output).filter(([key]) => !Object.hasOwn(overridden, key));
    await render(Object.fromEntries(kept), 'output');
  }
  if (route?.output !== undefined) await render(route.output, `route to ${route.to}: output`);
  return fields;
}
