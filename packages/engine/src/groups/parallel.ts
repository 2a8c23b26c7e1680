import { round } from '../steps/common.js';
import { StepFailure } from '../steps/errors.js';
import type { ParallelGroupStep, StepContext, StepExecutor, StepResult } from '../steps/types.js';
import { createGroupTally, DEFAULT_FAILURE_MODE, finishGroup, type GroupError } from './common.js';

/** A parallel group's output: `<group>.outputs.<member>` and `<group>.errors.<member>` (the original's shape). */
export interface ParallelOutput {
  type: 'parallel';
  outputs: Record<string, unknown>;
  errors: Record<string, GroupError & { agent_name: string }>;
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
  const output: ParallelOutput = { type: 'parallel', outputs: {}, errors: {} };

  ctx.emit('parallel_started', {
    group_name,
    agents: [...group.agents],
    failure_mode: mode,
    iteration: ctx.iteration,
    ...(Object.keys(progress.completed).length > 0 ? { resumed: Object.keys(progress.completed) } : {}),
  });
  const tally = createGroupTally<{ member: string; error: GroupError }>(ctx, mode);

  const runMember = async (name: string): Promise<void> => {
    if (Object.hasOwn(progress.completed, name)) {
      output.outputs[name] = progress.completed[name];
      tally.succeeded();
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
      if (tally.signal.aborted) throw tally.signal.reason;
      const result = await ctx.runChild(step, { eventFields: { group_name }, signal: tally.signal });
      output.outputs[name] = result.output;
      progress.completed[name] = result.output;
      tally.succeeded();
      ctx.emit('parallel_agent_completed', {
        group_name,
        agent_name: name,
        elapsed: round(ctx.clock() - memberStarted),
        output: result.output,
      });
    } catch (error) {
      tally.failed(error, {
        keep(failure) {
          output.errors[name] = { agent_name: name, ...failure };
          return { member: name, error: failure };
        },
        emit(failure) {
          ctx.emit('parallel_agent_failed', {
            group_name,
            agent_name: name,
            elapsed: round(ctx.clock() - memberStarted),
            ...failure,
          });
        },
        cancelReason: `cancelled: member "${name}" of parallel group "${group_name}" failed (fail_fast)`,
      });
    }
  };

  try {
    await Promise.all(group.agents.map((name) => runMember(name)));
  } finally {
    tally.dispose();
  }

  return finishGroup(ctx, tally, {
    event: 'parallel_completed',
    started,
    output,
    failure: (first) =>
      new StepFailure(
        group_name,
        first?.error.error_type ?? 'ParallelGroupFailed',
        `parallel group "${group_name}" failed (failure_mode: ${mode}): ${tally.failures} of ${group.agents.length} members failed` +
          `${first ? `; "${first.member}": ${first.error.message}` : ''}`,
        { details: { group_errors: output.errors } },
      ),
  });
};
