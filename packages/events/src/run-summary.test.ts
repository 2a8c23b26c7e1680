import { describe, expect, it } from 'vitest';
import type { ConductorEvent } from './envelope.js';
import { createRunSummaryFold, runDurations, summarizeRun } from './run-summary.js';

/** Events numbered in order, each at the time given (epoch seconds). */
function log(...entries: Array<[number, string, Record<string, unknown>?]>): ConductorEvent[] {
  return entries.map(([timestamp, type, data], index) => ({
    seq: index + 1,
    type,
    timestamp,
    data: data ?? {},
  }));
}

const started = (name = 'review'): Record<string, unknown> => ({
  name,
  entry_point: 'plan',
  agents: [{ name: 'plan' }, { name: 'write' }],
  run_id: 'run-1',
});
const resumed = (generation: number): Record<string, unknown> => ({
  run_id: 'run-1',
  resumed_at_step: 'write',
  generation,
  history_source: 'log',
});

describe('the run summary', () => {
  it('a completed run: wall and active time are the same, the step is none, cost summed', () => {
    const summary = summarizeRun(
      log(
        [100, 'workflow_started', started()],
        [101, 'agent_started', { agent_name: 'plan' }],
        [104, 'agent_completed', { agent_name: 'plan', output: {}, cost_usd: 0.25, tokens: 10 }],
        [104, 'agent_started', { agent_name: 'write' }],
        [110, 'agent_completed', { agent_name: 'write', output: {}, cost_usd: 0.5, tokens: 10 }],
        [110, 'workflow_completed', { output: {}, elapsed: 10 }],
      ),
    );
    expect(summary).toMatchObject({
      run_id: 'run-1',
      workflow: 'review',
      status: 'completed',
      started_at: 100,
      finished_at: 110,
      resumes: 0,
      step: null,
      error: null,
      cost_usd: 0.75,
      event_count: 6,
    });
    expect(runDurations(summary, null)).toEqual({ active_seconds: 10, wall_seconds: 10 });
    // A finished run does not grow with the clock.
    expect(runDurations(summary, 5000)).toEqual({ active_seconds: 10, wall_seconds: 10 });
  });

  it('a failed run that was resumed and completed: active time leaves out the downtime, wall time does not', () => {
    const events = log(
      [100, 'workflow_started', started()],
      [100, 'agent_started', { agent_name: 'plan' }],
      [102, 'agent_completed', { agent_name: 'plan', output: {} }],
      [102, 'agent_started', { agent_name: 'write' }],
      [105, 'agent_failed', { agent_name: 'write', error_type: 'ProviderError', message: 'overloaded' }],
      [105, 'workflow_failed', { error_type: 'ProviderError', message: 'overloaded', agent_name: 'write' }],
      // 95 seconds of downtime, then a resume that takes 8 seconds.
      [200, 'workflow_resumed', resumed(1)],
      [200, 'agent_started', { agent_name: 'write' }],
      [208, 'agent_completed', { agent_name: 'write', output: {} }],
      [208, 'workflow_completed', { output: {}, elapsed: 8 }],
    );
    const fold = createRunSummaryFold();
    for (const event of events.slice(0, 6)) fold.apply(event);
    const failed = fold.summary();
    expect(failed).toMatchObject({
      status: 'failed',
      step: 'write',
      error: 'ProviderError: overloaded',
      resumes: 0,
    });
    expect(runDurations(failed, null)).toEqual({ active_seconds: 5, wall_seconds: 5 });
    for (const event of events.slice(6)) fold.apply(event);
    const done = fold.summary();
    expect(done).toMatchObject({
      status: 'completed',
      resumes: 1,
      step: null,
      error: null,
      finished_at: 208,
    });
    expect(done.spans).toEqual([
      { generation: 0, started_at: 100, ended_at: 105, last_event_at: 105 },
      { generation: 1, started_at: 200, ended_at: 208, last_event_at: 208 },
    ]);
    expect(runDurations(done, null)).toEqual({ active_seconds: 13, wall_seconds: 108 });
  });

  it('a running run counts up to now; the step shown is the gate waiting rather than another running step', () => {
    const summary = summarizeRun(
      log(
        [100, 'workflow_started', started()],
        [101, 'agent_started', { agent_name: 'plan' }],
        [
          103,
          'gate_presented',
          { agent_name: 'approve', prompt: 'ok?', options: [{ label: 'Yes', value: 'yes' }] },
        ],
      ),
    );
    expect(summary).toMatchObject({ status: 'running', gate: 'approve', step: 'approve', finished_at: null });
    expect(runDurations(summary, 130)).toEqual({ active_seconds: 30, wall_seconds: 30 });
  });

  it('a run whose process died: its time stops at its last event', () => {
    const summary = summarizeRun(
      log(
        [100, 'workflow_started', started()],
        [101, 'agent_started', { agent_name: 'plan' }],
        [107, 'agent_completed', { agent_name: 'plan', output: {} }],
        [107, 'agent_started', { agent_name: 'write' }],
      ),
    );
    expect(summary).toMatchObject({
      status: 'running',
      step: 'write',
      finished_at: null,
      last_event_at: 107,
    });
    expect(runDurations(summary, null)).toEqual({ active_seconds: 7, wall_seconds: 7 });
  });

  it('a stopped run shows the step it stopped at and the stop', () => {
    const summary = summarizeRun(
      log(
        [100, 'workflow_started', started()],
        [101, 'agent_started', { agent_name: 'plan' }],
        [
          102,
          'workflow_failed',
          { error_type: 'Interrupted', message: 'stopped', agent_name: 'plan', stopped_by_user: true },
        ],
      ),
    );
    expect(summary).toMatchObject({ status: 'interrupted', step: 'plan', error: 'Interrupted: stopped' });
  });

  it('a log with no start yet has no times', () => {
    const summary = summarizeRun([]);
    expect(summary.status).toBe('pending');
    expect(runDurations(summary, 100)).toEqual({ active_seconds: null, wall_seconds: null });
  });

  it('events of a sub-workflow do not start or end a span', () => {
    const summary = summarizeRun(
      log(
        [100, 'workflow_started', started()],
        [101, 'workflow_started', { ...started('inner'), subworkflow_path: ['plan'] }],
        [103, 'workflow_completed', { output: {}, subworkflow_path: ['plan'] }],
        [104, 'workflow_completed', { output: {} }],
      ),
    );
    expect(summary.spans).toEqual([{ generation: 0, started_at: 100, ended_at: 104, last_event_at: 104 }]);
  });
});
