import { type ConductorEvent, summarizeRun } from '@conductor/events';
import { describe, expect, it } from 'vitest';
import { listStatus, runListEntry } from './entry.js';

// Every number and word of a run list row, from one derivation: the summary of the log, who owns the
// run, and its record.

const T = 1_763_700_000;
const ev = (seq: number, at: number, type: string, data: Record<string, unknown> = {}): ConductorEvent => ({
  seq,
  type,
  timestamp: T + at,
  data,
});
const started = ev(1, 0, 'workflow_started', {
  name: 'review',
  entry_point: 'plan',
  agents: [{ name: 'plan' }],
  run_id: 'r',
});
const gone = { state: 'gone' } as const;

describe('a run list row', () => {
  it('a running run: owner, gate and its options, time counted to now, not resumable nor deletable', () => {
    const summary = summarizeRun([
      started,
      ev(2, 1, 'gate_presented', {
        agent_name: 'approve',
        prompt: 'Ship?',
        options: [{ label: 'Yes', value: 'yes' }],
      }),
    ]);
    const row = runListEntry(
      'r',
      summary,
      { state: 'alive', pid: 42, host: null, since: '2025-01-01T00:00:00Z' },
      { dashboard: true },
      T + 30,
    );
    expect(row).toMatchObject({
      status: 'running',
      step: 'approve',
      gate: 'approve',
      gate_options: [{ label: 'Yes', value: 'yes' }],
      active_seconds: 30,
      wall_seconds: 30,
      owner: { pid: 42, host: null },
      resumable: false,
      why: 'running in process 42, waiting for an answer at "approve"',
      deletable: false,
      gate_answerable: true,
    });
    // Without a dashboard to answer through, the gate cannot be answered from the list.
    expect(
      runListEntry('r', summary, { state: 'alive', pid: 42 }, { dashboard: false }, T + 30).gate_answerable,
    ).toBe(false);
  });

  it('a run owned on another host is running there', () => {
    const row = runListEntry(
      'r',
      summarizeRun([started]),
      { state: 'unknown', pid: 7, host: 'box' },
      null,
      T + 5,
    );
    expect(row).toMatchObject({ status: 'running', why: 'running on host box', deletable: false });
  });

  it('a failed run is resumable at its step; a run ended by a terminate step is not', () => {
    const failed = summarizeRun([
      started,
      ev(2, 2, 'workflow_failed', { error_type: 'ProviderError', message: 'overloaded', agent_name: 'plan' }),
    ]);
    expect(runListEntry('r', failed, gone, null, T + 100)).toMatchObject({
      status: 'failed',
      resumable: true,
      why: 'failed at step "plan": resume runs that step again',
      wall_seconds: 2,
      finished_at: T + 2,
    });
    const terminated = summarizeRun([
      started,
      ev(2, 2, 'workflow_completed', {
        output: {},
        status: 'failed',
        termination_reason: 'no',
        terminated_by: 'plan',
      }),
    ]);
    expect(runListEntry('r', terminated, gone, null, T + 100)).toMatchObject({
      status: 'failed',
      resumable: false,
      why: 'ended by a terminate step',
    });
  });

  it('a log that never ended with nobody owning it is a run whose process died', () => {
    const summary = summarizeRun([started, ev(2, 3, 'agent_started', { agent_name: 'plan' })]);
    expect(listStatus(summary, false)).toBe('died');
    expect(listStatus(summary, true)).toBe('running');
    expect(runListEntry('r', summary, gone, null, T + 100)).toMatchObject({
      status: 'died',
      resumable: true,
      wall_seconds: 3,
      active_seconds: 3,
      finished_at: null,
    });
  });

  it('a run with no log yet takes its workflow and start from its record', () => {
    const row = runListEntry(
      'r',
      summarizeRun([]),
      gone,
      { workflow_name: 'review', workflow_path: '/w/review.yaml', started_at: '2025-11-21T05:20:00.000Z' },
      T,
    );
    expect(row).toMatchObject({
      status: 'pending',
      workflow: 'review',
      workflow_path: '/w/review.yaml',
      started_at: Date.parse('2025-11-21T05:20:00.000Z') / 1000,
      active_seconds: null,
      resumable: false,
    });
  });
});
