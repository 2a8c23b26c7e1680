import { CHECKPOINT_VERSION, type Checkpoint, type CheckpointTrigger } from '@conductor/checkpoint';
import type { RunFailure } from '../run/result.js';
import type { ExecutorState, StepRecord } from '../run/state.js';

/** The trigger of the checkpoint a failed run writes: its `error_type` says why it stopped. */
export function triggerOf(failure: RunFailure): CheckpointTrigger {
  switch (failure.type) {
    case 'Interrupted':
      return 'interrupt';
    case 'TimeoutError':
      return 'timeout';
    case 'MaxIterationsExceeded':
      return 'iteration_limit';
    default:
      return 'failure';
  }
}

/**
 * The part of a state a resume keeps: completed steps only. A failed or interrupted attempt runs
 * again, so it neither stays in the history nor counts against `max_iterations`.
 */
export function committedState(state: ExecutorState): ExecutorState {
  const history = state.history.filter((record) => record.status === 'completed');
  return { ...state, history, iteration: history.length };
}

export interface CheckpointInput {
  state: ExecutorState;
  runId: string;
  generation: number;
  workflowPath: string;
  /** The workflow's `name`: a resume with a workflow of another name is refused. */
  workflowName: string;
  workflowHash: string;
  inputs: Record<string, unknown>;
  trigger: CheckpointTrigger;
  failure: RunFailure | null;
  maxIterations: number;
  timeoutSeconds: number | null;
  elapsedSeconds: number;
  eventLogPath: string | null;
  lastSeq: number;
  createdAt?: Date;
}

/**
 * A version 2 checkpoint of `state`. `current_step` is the step to continue at: the one that failed
 * or was interrupted, or (periodic) the one about to run. The history keeps every record, the failed
 * attempt too (the synthetic history shows it); `current_iteration` counts completed steps only.
 */
export function checkpointOf(input: CheckpointInput): Checkpoint {
  const { state } = input;
  const currentStep = state.currentStep ?? input.failure?.step ?? null;
  const { groups, ...extra } = stateExtras(state);
  if (!currentStep) throw new Error('the run has no step to continue at');
  return {
    version: CHECKPOINT_VERSION,
    run_id: input.runId,
    generation: input.generation,
    workflow_path: input.workflowPath,
    workflow_name: input.workflowName,
    workflow_hash: input.workflowHash,
    created_at: (input.createdAt ?? new Date()).toISOString(),
    trigger: input.trigger,
    failure: input.failure
      ? { error_type: input.failure.type, message: input.failure.message, agent_name: input.failure.step }
      : null,
    inputs: input.inputs,
    current_step: currentStep,
    context: {
      workflow_inputs: input.inputs,
      step_outputs: state.stepOutputs,
      execution_history: state.history.map((record) => ({ ...record })),
      current_iteration: committedState(state).iteration,
      last_output_step: state.lastOutputStep,
      started_at: state.startedAt,
      // The current step completed and only its route is left (the route's condition failed).
      awaiting_route: state.awaitingRoute === true,
      // Unfinished parallel / for-each groups: what their members and items finished so far.
      ...(isRecord(groups) && Object.keys(groups).length > 0 ? { groups } : {}),
      ...(Object.keys(extra).length > 0 ? { executor_state: extra } : {}),
    },
    limits: {
      max_iterations: input.maxIterations,
      timeout_seconds: input.timeoutSeconds,
      elapsed_seconds: Math.max(0, Math.round(input.elapsedSeconds * 1000) / 1000),
    },
    event_log_path: input.eventLogPath,
    last_seq: input.lastSeq,
  };
}

/**
 * The executor state and inputs a checkpoint continues with: its completed steps (records without
 * a status, as the original conductor wrote them, count as completed), at `current_step`.
 */
export function stateFromCheckpoint(checkpoint: Checkpoint): {
  inputs: Record<string, unknown>;
  state: ExecutorState;
} {
  const { context } = checkpoint;
  const history: StepRecord[] = context.execution_history
    .filter((record) => record.status === undefined || record.status === 'completed')
    .map((record, i) => ({ step: record.step, iteration: i + 1, status: 'completed' }));
  const outputs = context.step_outputs;
  const named = context.last_output_step;
  const lastOutputStep =
    typeof named === 'string' && Object.hasOwn(outputs, named)
      ? named
      : ([...history].reverse().find((record) => Object.hasOwn(outputs, record.step))?.step ?? null);
  const startedAt =
    typeof context.started_at === 'number' ? context.started_at : Date.parse(checkpoint.created_at) / 1000;
  return {
    inputs: checkpoint.inputs,
    state: {
      ...(isRecord(context.executor_state) ? structuredClone(context.executor_state) : {}),
      ...(isRecord(context.groups) && Object.keys(context.groups).length > 0
        ? { groups: structuredClone(context.groups) as ExecutorState['groups'] }
        : {}),
      currentStep: checkpoint.current_step,
      iteration: history.length,
      stepOutputs: { ...outputs },
      history,
      lastOutputStep,
      startedAt,
      ...(context.awaiting_route === true ? { awaitingRoute: true } : {}),
    },
  };
}

const KNOWN_STATE_KEYS = new Set<string>([
  'currentStep',
  'iteration',
  'stepOutputs',
  'history',
  'lastOutputStep',
  'startedAt',
  'awaitingRoute',
]);

/**
 * State fields beyond the ones above: `groups` (the progress of parallel and for-each groups, the
 * checkpoint's `context.groups`) and any other a step kind keeps, carried through checkpoints as
 * they are (`context.executor_state`), so it needs no new checkpoint format.
 */
function stateExtras(state: ExecutorState): Record<string, unknown> {
  return Object.fromEntries(Object.entries(state).filter(([key]) => !KNOWN_STATE_KEYS.has(key)));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
