import { round } from '../steps/common.js';
import { StepFailure } from '../steps/errors.js';
import type { ParallelGroupStep, StepContext, StepExecutor, StepResult } from '../steps/types.js';
import {
  DEFAULT_FAILURE_MODE,
  type GroupError,
  groupFailed,
  linkedController,
  memberFailure,
  stoppedFailure,
} from './common.js';

/** A parallel group's output: `<group>.outputs.<member>` and `<group>.errors.<member>`. */
export interface ParallelOutput {
  outputs: Record<string, unknown>;
  errors: Record<string, GroupError>;
}

/**
 * Runs the group's members at once, each through its own executor (its events carry `group_name`),
 * against the context as it was before the group. Members that finished in an earlier attempt of the
 * run (`ctx.progress()`) are not run again: their outputs are kept. `fail_fast` stops the others at
 * the first failure; `continue_on_error` fails only when every member failed; `all_or_nothing` when any did.
 */
export const executeParallel: StepExecutor<ParallelGroupStep> = async (
  ctx: StepContext<ParallelGroupStep>,
): Promise<StepResult> => {
  const group = ctx.step;
  const group_name = group.name;
  const mode = group.failure_mode ?? DEFAULT_FAILURE_MODE;
  const started = ctx.clock();
  const steps = new Map(ctx.workflow.definition.agents.map((step) => [step.name, step]));
  const progress = ctx.progress();
  const output: ParallelOutput = { outputs: {}, errors: {} };
  let successes = 0;
  let failures = 0;
  let firstFailure: { member: string; error: GroupError } | null = null;

  ctx.emit('parallel_started', {
    group_name,
    agents: [...group.agents],
    failure_mode: mode,
    iteration: ctx.iteration,
    ...(Object.keys(progress.completed).length > 0 ? { resumed: Object.keys(progress.completed) } : {}),
  });
  const { controller, dispose } = linkedController(ctx.signal);

  const runMember = async (name: string): Promise<void> => {
    if (Object.hasOwn(progress.completed, name)) {
      output.outputs[name] = progress.completed[name];
      successes++;
      return;
    }
    const memberStarted = ctx.clock();
    const step = steps.get(name);
    try {
      if (!step)
        throw new StepFailure(
          name,
          'UnknownStep',
          `parallel group "${group_name}" lists "${name}", which is not a step`,
        );
      if (controller.signal.aborted) throw controller.signal.reason;
      const result = await ctx.runChild(step, { eventFields: { group_name }, signal: controller.signal });
      output.outputs[name] = result.output;
      progress.completed[name] = result.output;
      successes++;
      ctx.emit('parallel_agent_completed', {
        group_name,
        agent_name: name,
        elapsed: round(ctx.clock() - memberStarted),
        output: result.output,
      });
    } catch (error) {
      const failure = memberFailure(error, ctx, controller.signal);
      output.errors[name] = failure;
      failures++;
      ctx.emit('parallel_agent_failed', {
        group_name,
        agent_name: name,
        elapsed: round(ctx.clock() - memberStarted),
        ...failure,
      });
      if (failure.error_type === 'Cancelled' || ctx.stopReason()) return;
      firstFailure ??= { member: name, error: failure };
      if (mode === 'fail_fast' && !controller.signal.aborted) {
        controller.abort(`cancelled: member "${name}" of parallel group "${group_name}" failed (fail_fast)`);
      }
    }
  };

  try {
    await Promise.all(group.agents.map((name) => runMember(name)));
  } finally {
    dispose();
  }

  const failed = ctx.stopReason() !== null || groupFailed(mode, successes, failures);
  ctx.emit('parallel_completed', {
    group_name,
    success_count: successes,
    failure_count: failures,
    elapsed: round(ctx.clock() - started),
    ...(failed ? { failed: true } : { output }),
  });
  const stopped = stoppedFailure(ctx);
  if (stopped) throw stopped;
  if (failed) {
    const first = firstFailure as { member: string; error: GroupError } | null;
    throw new StepFailure(
      group_name,
      first?.error.error_type ?? 'ParallelGroupFailed',
      `parallel group "${group_name}" failed (failure_mode: ${mode}): ${failures} of ${group.agents.length} members failed` +
        `${first ? `; "${first.member}": ${first.error.message}` : ''}`,
      { details: { group_errors: output.errors } },
    );
  }
  return { output };
};
