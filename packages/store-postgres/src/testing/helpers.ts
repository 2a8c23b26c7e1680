import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Checkpoint } from '@conductor/checkpoint';
import type { ConductorEvent } from '@conductor/events';
import type { RunRecord } from '@conductor/run-folder';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
    pgPasswordUrl: string | null;
  }
}

/** The test server's URL with a schema of its own, so test files never see each other's rows. */
export function freshSchemaUrl(base: string = inject('pgUrl')): string {
  const url = new URL(base);
  url.searchParams.set('schema', `t_${randomBytes(6).toString('hex')}`);
  return url.toString();
}

export function tempHome(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'conductor-store-'));
}

export function event(
  seq: number,
  type = 'agent_message',
  data: Record<string, unknown> = {},
): ConductorEvent {
  return {
    seq,
    type,
    timestamp: 1_732_170_000 + seq / 10,
    data: { agent_name: 'coder', content: `chunk ${seq}`, ...data },
  } as ConductorEvent;
}

export function events(from: number, count: number): ConductorEvent[] {
  return Array.from({ length: count }, (_, i) => event(from + i));
}

export function checkpoint(runId: string, overrides: Partial<Checkpoint> = {}): Checkpoint {
  return {
    version: 2,
    run_id: runId,
    generation: 0,
    workflow_path: '/work/flows/review.yaml',
    workflow_hash: 'a'.repeat(64),
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
    },
    limits: { max_iterations: 10, timeout_seconds: 600, elapsed_seconds: 42.5 },
    event_log_path: null,
    last_seq: 3,
    ...overrides,
  } as Checkpoint;
}

export function record(runId: string, overrides: Partial<RunRecord> = {}): RunRecord {
  const now = new Date().toISOString();
  return {
    run_id: runId,
    workflow_path: '/work/flows/review.yaml',
    workflow_name: 'review',
    workflow_hash: null,
    status: 'running',
    pid: process.pid,
    started_at: now,
    updated_at: now,
    generation: 0,
    event_log_path: null,
    last_checkpoint_path: null,
    ...overrides,
  };
}

export async function take<T>(iterable: AsyncIterable<T>, count: number): Promise<T[]> {
  const out: T[] = [];
  if (count === 0) return out;
  for await (const item of iterable) {
    out.push(item);
    if (out.length === count) break;
  }
  return out;
}
