import type { TerminateStep } from '../workflow/types.js';
import { templateAt } from './common.js';
import type { StepContext, StepExecutor, StepResult } from './types.js';
import { renderCoerced } from './values.js';

/**
 * Ends the run here with an explicit status. `output_template` (a mapping, or one template)
 * replaces the workflow's `output:`; rendered JSON literals become values (`"true"` → true), as in
 * the original. Emits nothing itself: the run's `workflow_completed` carries the termination.
 */
export const executeTerminate: StepExecutor<TerminateStep> = async (
  ctx: StepContext<TerminateStep>,
): Promise<StepResult> => {
  const { step } = ctx;
  const status = step.status ?? 'success';
  const reason =
    step.reason === undefined
      ? `terminated by step "${step.name}"`
      : await ctx.templates.renderTemplate(step.reason, ctx.scope, templateAt(ctx, 'reason'));
  const template = step.output_template;
  let output: unknown;
  if (template === undefined) output = await ctx.renderWorkflowOutput();
  else if (typeof template === 'string')
    output = await renderCoerced(ctx.templates, template, ctx.scope, templateAt(ctx, 'output_template'));
  else {
    const fields: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(template)) {
      const where = templateAt(ctx, `output_template.${key}`);
      fields[key] = await renderCoerced(ctx.templates, value, ctx.scope, where);
    }
    output = fields;
  }
  return { output, terminate: { status, reason } };
};
