import { type Checkpoint, hashWorkflowSource, validateCheckpoint } from '@conductor/checkpoint';
import { describe, expect, it } from 'vitest';
import type { ExecutorState } from '../run/state.js';
import { checkpointOf, stateFromCheckpoint, triggerOf } from './checkpoint-state.js';

const failedAtC: ExecutorState = {
  currentStep: 'c',
  iteration: 3,
  stepOutputs: { a: 1, b: { x: 2 } },
  history: [
    { step: 'a', iteration: 1, status: 'completed' },
    { step: 'b', iteration: 2, status: 'completed' },
    { step: 'c', iteration: 3, status: 'failed' },
  ],
  lastOutputStep: 'b',
  startedAt: 1_700_000_000,
};

function checkpointFor(state: ExecutorState): Checkpoint {
  return checkpointOf({
    state,
    runId: 'r1',
    generation: 2,
    workflowPath: '/flows/w.yaml',
    workflowName: 'w',
    workflowHash: hashWorkflowSource('w'),
    inputs: { topic: 'owls' },
    trigger: 'failure',
    failure: { type: 'ScriptFailed', message: 'exit 1', step: 'c' },
    maxIterations: 10,
    timeoutSeconds: null,
    elapsedSeconds: 12.3456,
    eventLogPath: '/home/runs/r1/events.jsonl',
    lastSeq: 41,
    createdAt: new Date('2026-01-02T03:04:05.000Z'),
  });
}

describe('checkpoints of the executor state', () => {
  it('writes a valid version 2 checkpoint that continues at the failed step, its attempt not counted', () => {
    const checkpoint = checkpointFor(failedAtC);
    expect(validateCheckpoint(checkpoint)).toEqual(checkpoint);
    expect(checkpoint).toMatchObject({
      current_step: 'c',
      generation: 2,
      last_seq: 41,
      failure: { error_type: 'ScriptFailed', agent_name: 'c' },
      limits: { max_iterations: 10, timeout_seconds: null, elapsed_seconds: 12.346 },
      context: { workflow_inputs: { topic: 'owls' }, current_iteration: 2, last_output_step: 'b' },
    });
    expect(checkpoint.context.execution_history).toHaveLength(3);

    const restored = stateFromCheckpoint(checkpoint);
    expect(restored.inputs).toEqual({ topic: 'owls' });
    expect(restored.state).toEqual({
      currentStep: 'c',
      iteration: 2,
      stepOutputs: { a: 1, b: { x: 2 } },
      history: failedAtC.history.slice(0, 2),
      lastOutputStep: 'b',
      startedAt: 1_700_000_000,
    });
  });

  it('keeps "route pending" and state fields of other step kinds through a checkpoint', () => {
    const state = {
      ...failedAtC,
      history: failedAtC.history.slice(0, 2),
      iteration: 2,
      currentStep: 'b',
      awaitingRoute: true,
      groups: { reviewers: { completed: { security: 'ok' } } },
    } as ExecutorState;
    const checkpoint = checkpointFor({ ...state, lastStep: 'x' } as ExecutorState);
    expect(checkpoint.context.groups).toEqual({ reviewers: { completed: { security: 'ok' } } });
    expect(checkpoint.context.executor_state).toEqual({ lastStep: 'x' });
    const restored = stateFromCheckpoint(checkpoint).state;
    expect(restored).toMatchObject({ currentStep: 'b', awaitingRoute: true, iteration: 2, lastStep: 'x' });
    expect((restored as ExecutorState & { groups?: unknown }).groups).toEqual({
      reviewers: { completed: { security: 'ok' } },
    });
  });

  it('names the trigger after the failure', () => {
    const failure = (type: string) => ({ type, message: '', step: 'a' });
    expect(triggerOf(failure('Interrupted'))).toBe('interrupt');
    expect(triggerOf(failure('TimeoutError'))).toBe('timeout');
    expect(triggerOf(failure('MaxIterationsExceeded'))).toBe('iteration_limit');
    expect(triggerOf(failure('ProviderError'))).toBe('failure');
  });
});
