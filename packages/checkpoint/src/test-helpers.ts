import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Checkpoint, hashWorkflowSource } from './index.js';

export function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'conductor-checkpoint-'));
}

/** A valid version 2 checkpoint, as the engine would write after `coder` failed. */
export function sampleCheckpoint(overrides: Partial<Checkpoint> = {}): Checkpoint {
  return {
    version: 2,
    run_id: 'run-1',
    generation: 0,
    workflow_path: '/work/flows/review.yaml',
    workflow_hash: hashWorkflowSource('name: review\n'),
    created_at: '2025-01-02T03:04:05.678Z',
    trigger: 'failure',
    failure: { error_type: 'ProviderError', message: '502 Bad Gateway', agent_name: 'coder' },
    inputs: { pr: 12 },
    current_step: 'coder',
    context: {
      workflow_inputs: { pr: 12 },
      step_outputs: { planner: { plan: ['a', 'b'] } },
      execution_history: [
        { step: 'planner', iteration: 1, status: 'completed' },
        { step: 'coder', iteration: 1, status: 'failed' },
      ],
      groups: { reviewers: { completed: ['security'], pending: ['style'] } },
    },
    limits: { max_iterations: 10, timeout_seconds: 600, elapsed_seconds: 42.5 },
    event_log_path: '/home/u/.conductor/runs/run-1/events.jsonl',
    last_seq: 57,
    ...overrides,
  };
}
