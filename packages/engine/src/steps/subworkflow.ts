import { basename } from 'node:path';
import { resolveInputs } from '../workflow/inputs.js';
import { loadWorkflow } from '../workflow/load.js';
import { MAX_SUBWORKFLOW_DEPTH } from '../workflow/schema-steps.js';
import { resolveSubworkflowPath } from '../workflow/subworkflows.js';
import type { LoadedWorkflow, WorkflowStep } from '../workflow/types.js';
import { failureOf, round, templateAt } from './common.js';
import { StepFailure } from './errors.js';
import { outputMismatch } from './output-schema.js';
import type { StepContext, StepExecutor, StepResult } from './types.js';
import { renderValue } from './values.js';

/**
 * A child runs with the run's provider settings (`runtime.provider`, `runtime.default_model`) where it sets
 * none itself: the original shares the parent's providers with it.
 */
function inheritProviderSettings(child: LoadedWorkflow, parent: LoadedWorkflow): void {
  const from = parent.definition.workflow.runtime;
  if (!from) return;
  const settings = child.definition.workflow;
  const runtime = { ...settings.runtime };
  if (runtime.provider === undefined && from.provider !== undefined) runtime.provider = from.provider;
  if (runtime.default_model === undefined && from.default_model !== undefined)
    runtime.default_model = from.default_model;
  settings.runtime = runtime;
}

const listOf = (instructions: string | string[] | undefined): string[] =>
  instructions === undefined ? [] : [instructions].flat();

/**
 * A child's instructions are the parent's (its own and those the command line added), then its own: the
 * original's preamble for a child is the parent's + `---` + the child's (§2.8).
 */
function inheritInstructions(child: LoadedWorkflow, parent: LoadedWorkflow): void {
  const from = listOf(parent.definition.workflow.instructions);
  if (from.length === 0) return;
  const settings = child.definition.workflow;
  settings.instructions = [...from, ...listOf(settings.instructions)];
}

/**
 * Runs another workflow file as this step, in the same run: its events go to the same bus with
 * `data.subworkflow_path` (the parent step names), and its final output is this step's output. Its
 * inputs are `input_mapping` rendered against this workflow's context, or else this workflow's own
 * inputs (those the child declares). Nesting is limited by `max_depth` (at most 10) and a workflow
 * that would run itself again, directly or not, is a `SubworkflowCycle` failure.
 */
export const executeSubworkflow: StepExecutor<WorkflowStep> = async (
  ctx: StepContext<WorkflowStep>,
): Promise<StepResult> => {
  const { step } = ctx;
  const agent_name = step.name;
  const started = ctx.clock();
  const elapsed = () => round(ctx.clock() - started);
  const target = resolveSubworkflowPath(step.workflow, ctx.workflow.path);
  ctx.emit('subworkflow_started', {
    agent_name,
    workflow: step.workflow,
    workflow_path: target,
    parent_path: [...ctx.subworkflow.path],
    iteration: ctx.iteration,
  });
  try {
    const depth = ctx.subworkflow.path.length + 1;
    const maxDepth = Math.min(step.max_depth ?? MAX_SUBWORKFLOW_DEPTH, MAX_SUBWORKFLOW_DEPTH);
    if (depth > maxDepth) {
      throw new StepFailure(
        step.name,
        'SubworkflowDepthExceeded',
        `sub-workflow step "${step.name}" would run ${step.workflow} at depth ${depth}, deeper than its max_depth of ${maxDepth}` +
          `${step.max_depth === undefined ? ' (the most conductor allows)' : ''}. Parent steps: ${[...ctx.subworkflow.path, step.name].join(' → ')}.`,
      );
    }
    const files = [...ctx.subworkflow.files, ...(ctx.workflow.path ? [ctx.workflow.path] : [])];
    if (files.includes(target)) {
      const chain = [...files.slice(files.indexOf(target)), target].map((file) => basename(file));
      throw new StepFailure(
        step.name,
        'SubworkflowCycle',
        `sub-workflow step "${step.name}" would run ${step.workflow} inside itself: ${chain.join(' → ')}`,
      );
    }
    let child: LoadedWorkflow;
    try {
      child = await loadWorkflow(target, { env: ctx.env });
    } catch (error) {
      throw new StepFailure(
        step.name,
        'SubworkflowInvalid',
        `sub-workflow step "${step.name}": ${(error as Error).message}`,
        { cause: error },
      );
    }
    inheritProviderSettings(child, ctx.workflow);
    inheritInstructions(child, ctx.workflow);
    const inputs = await childInputs(ctx, child);
    let resolved: Record<string, unknown>;
    try {
      resolved = resolveInputs(child.definition, inputs);
    } catch (error) {
      throw new StepFailure(
        step.name,
        'SubworkflowInputError',
        `sub-workflow step "${step.name}" (${step.workflow}): ${(error as Error).message}`,
        { cause: error },
      );
    }
    const result = await ctx.runSubworkflow(child, resolved);
    if (ctx.stopReason()) throw new StepFailure(step.name, 'Interrupted', 'stopped');
    if (result.status !== 'completed') {
      const why = result.error;
      throw new StepFailure(
        step.name,
        why?.type === 'WorkflowTerminated' ? 'SubworkflowTerminated' : (why?.type ?? 'SubworkflowFailed'),
        `sub-workflow ${step.workflow} ${why?.type === 'WorkflowTerminated' ? 'was terminated' : 'failed'}` +
          `${why?.step ? ` at step "${why.step}"` : ''}: ${why?.message ?? 'no reason given'}`,
        { details: { subworkflow_output: result.output } },
      );
    }
    if (step.output) {
      const mismatch = outputMismatch(result.output, step.output);
      if (mismatch !== null) {
        throw new StepFailure(
          step.name,
          'OutputValidationError',
          `the output of sub-workflow ${step.workflow} does not match the output of step "${step.name}": ${mismatch}`,
        );
      }
    }
    ctx.emit('subworkflow_completed', { agent_name, elapsed: elapsed(), output: result.output });
    return { output: result.output };
  } catch (error) {
    const { errorType, message } = failureOf(error, ctx);
    ctx.emit('subworkflow_failed', { agent_name, elapsed: elapsed(), error_type: errorType, message });
    throw error instanceof StepFailure
      ? error
      : new StepFailure(step.name, errorType, message, { cause: error });
  }
};

/** `input_mapping` rendered against this workflow's context; without it, this workflow's inputs the child declares. */
async function childInputs(
  ctx: StepContext<WorkflowStep>,
  child: LoadedWorkflow,
): Promise<Record<string, unknown>> {
  const { step } = ctx;
  if (step.input_mapping !== undefined) {
    const inputs: Record<string, unknown> = {};
    for (const [name, template] of Object.entries(step.input_mapping)) {
      const where = templateAt(ctx, `input_mapping.${name}`);
      inputs[name] = await renderValue(ctx.templates, template, ctx.scope, where);
    }
    return inputs;
  }
  const workflowScope = ctx.scope.workflow as { input?: Record<string, unknown> } | undefined;
  const parentInputs = workflowScope?.input ?? {};
  const declared = child.definition.workflow.input;
  if (declared === undefined) return { ...parentInputs };
  return Object.fromEntries(Object.entries(parentInputs).filter(([name]) => Object.hasOwn(declared, name)));
}
