import type { Checkpoint } from '@conductor/checkpoint';
import { decodeEvent, projectEvents } from '@conductor/events';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { CheckpointHistory, WorkflowOutline } from './index.js';
import { synthesizeHistory } from './synthetic.js';

const workflow: WorkflowOutline = {
  name: 'review',
  entry_point: 'plan',
  agents: [
    { name: 'plan', type: 'agent', model: 'gpt-5' },
    { name: 'lint', type: 'script' },
    { name: 'flag', type: 'set' },
    { name: 'code', type: 'agent' },
    { name: 'approve', type: 'human_gate' },
  ],
  routes: [
    { from: 'plan', to: 'lint' },
    { from: 'lint', to: 'flag' },
    { from: 'flag', to: 'code' },
    { from: 'code', to: 'approve' },
  ],
};

function checkpoint(overrides: Partial<CheckpointHistory> = {}): CheckpointHistory {
  return {
    run_id: 'run-1',
    workflow_path: '/w/review.yaml',
    current_step: 'code',
    created_at: '2026-11-21T06:00:00.000Z',
    trigger: 'failure',
    context: {
      workflow_inputs: { topic: 'x' },
      step_outputs: { plan: { steps: 3 }, lint: { stdout: 'ok', exit_code: 0 }, flag: true },
      execution_history: [
        { step: 'plan', iteration: 1, status: 'completed' },
        { step: 'lint', iteration: 1, status: 'completed' },
        { step: 'flag', iteration: 1, status: 'completed' },
      ],
    },
    event_log_path: '/gone/events.jsonl',
    last_seq: 120,
    generation: 0,
    failure: { error_type: 'ProviderError', message: 'rate limited', agent_name: 'code' },
    ...overrides,
  };
}

describe('synthesizeHistory', () => {
  it('synthesizes started/completed pairs of the right types, the graph, and the failed attempt', () => {
    const events = synthesizeHistory(checkpoint(), workflow);
    expect(events.map((e) => e.type)).toEqual([
      'workflow_started',
      'agent_started',
      'agent_completed',
      'script_started',
      'script_completed',
      'set_started',
      'set_completed',
      'agent_started',
      'workflow_failed',
    ]);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(events.every((e) => e.data.synthetic === true)).toBe(true);
    expect(events[0]?.data).toMatchObject({
      name: 'review',
      entry_point: 'plan',
      run_id: 'run-1',
      inputs: { topic: 'x' },
    });
    expect(events[2]?.data).toMatchObject({ agent_name: 'plan', output: { steps: 3 } });
    expect(events[8]?.data).toMatchObject({
      error_type: 'ProviderError',
      message: 'rate limited',
      agent_name: 'code',
    });
  });

  it('projects into a state where earlier steps are completed with their outputs', () => {
    const state = projectEvents(synthesizeHistory(checkpoint(), workflow));
    expect(state.graph?.name).toBe('review');
    expect(state.run.has_synthetic_history).toBe(true);
    expect(state.run.status).toBe('failed');
    expect(state.steps.plan?.status).toBe('completed');
    expect(state.steps.plan?.attempts[0]?.output).toEqual({ steps: 3 });
    expect(state.steps.plan?.attempts[0]?.synthetic).toBe(true);
    expect(state.steps.lint?.attempts[0]?.output).toEqual({ stdout: 'ok', exit_code: 0 });
    expect(state.steps.flag?.attempts[0]?.output).toBe(true);
    expect(state.steps.code?.status).toBe('failed');
    expect(state.steps.code?.attempts[0]?.error).toEqual({
      error_type: 'ProviderError',
      message: 'rate limited',
    });
    expect(state.steps.approve?.status).toBe('pending');
  });

  it('timestamps never go backwards and end at created_at', () => {
    const events = synthesizeHistory(checkpoint(), workflow);
    const end = Date.parse('2026-11-21T06:00:00.000Z') / 1000;
    for (let i = 1; i < events.length; i++) {
      expect(events[i]?.timestamp).toBeGreaterThanOrEqual(events[i - 1]?.timestamp as number);
    }
    expect(events.at(-1)?.timestamp).toBeCloseTo(end, 6);
  });

  it('uses the times and outputs recorded in the history', () => {
    const events = synthesizeHistory(
      checkpoint({
        trigger: 'periodic',
        context: {
          execution_history: [{ step: 'plan', started_at: 1000, elapsed: 2.5, output: 'own output' }],
        },
      }),
    );
    expect(events.map((e) => [e.type, e.timestamp])).toEqual([
      ['agent_started', 1000],
      ['agent_completed', 1002.5],
    ]);
    expect(events[1]?.data).toMatchObject({ output: 'own output', elapsed: 2.5 });
  });

  it('gives step_outputs only to the last execution of a looping step, and maps failed records', () => {
    const events = synthesizeHistory(
      checkpoint({
        trigger: 'periodic',
        context: {
          step_outputs: { code: 'v2' },
          execution_history: [
            { step: 'code', iteration: 1, status: 'failed', error_type: 'Timeout' },
            { step: 'code', iteration: 2 },
          ],
        },
      }),
      workflow,
    );
    expect(events.slice(1).map((e) => [e.type, e.data.iteration ?? null, e.data.output ?? null])).toEqual([
      ['agent_started', 1, null],
      ['agent_failed', null, null],
      ['agent_started', 2, null],
      ['agent_completed', null, 'v2'],
    ]);
    expect(events[2]?.data.error_type).toBe('Timeout');
    const state = projectEvents(events);
    expect(state.steps.code?.attempt_count).toBe(2);
    expect(state.steps.code?.attempts.map((a) => a.status)).toEqual(['failed', 'completed']);
  });

  it('accepts plain step names (older checkpoints) and marks an interrupt as stopped by the user', () => {
    const events = synthesizeHistory(
      checkpoint({ trigger: 'interrupt', failure: null, context: { execution_history: ['plan'] } }),
    );
    expect(events.map((e) => e.type)).toEqual([
      'agent_started',
      'agent_completed',
      'agent_started',
      'workflow_failed',
    ]);
    expect(projectEvents(events).run.status).toBe('interrupted');
  });

  describe('never numbers beyond last_seq', () => {
    const looping = (last_seq: number | null) =>
      checkpoint({
        last_seq,
        context: {
          step_outputs: { plan: 'p', code: 'c3', lint: 'l' },
          execution_history: [
            { step: 'plan' },
            { step: 'code', iteration: 1 },
            { step: 'code', iteration: 2 },
            { step: 'code', iteration: 3 },
            { step: 'lint' },
          ],
        },
      });
    const shape = (last_seq: number | null) =>
      synthesizeHistory(looping(last_seq), workflow).map((e) => `${e.type}:${e.data.agent_name ?? ''}`);

    it('keeps everything when it fits', () => {
      expect(shape(13)).toHaveLength(13);
      expect(shape(null)).toHaveLength(13);
    });

    it('drops started events, then earlier loop iterations, then the failure ending, then the oldest steps', () => {
      expect(shape(12)).toEqual([
        'workflow_started:',
        'agent_completed:plan',
        'agent_completed:code',
        'agent_completed:code',
        'agent_completed:code',
        'script_completed:lint',
        'agent_started:code',
        'workflow_failed:code',
      ]);
      expect(shape(6)).toEqual([
        'workflow_started:',
        'agent_completed:plan',
        'agent_completed:code',
        'script_completed:lint',
        'agent_started:code',
        'workflow_failed:code',
      ]);
      expect(shape(5)).toEqual([
        'workflow_started:',
        'agent_completed:plan',
        'agent_completed:code',
        'script_completed:lint',
      ]);
      expect(shape(3)).toEqual(['workflow_started:', 'agent_completed:code', 'script_completed:lint']);
      expect(shape(1)).toEqual(['workflow_started:']);
    });

    it('numbers 1..K with K <= last_seq for every budget', () => {
      for (let last = 1; last <= 14; last++) {
        const events = synthesizeHistory(looping(last), workflow);
        expect(events.map((e) => e.seq)).toEqual(Array.from({ length: events.length }, (_, i) => i + 1));
        expect(events.length).toBeLessThanOrEqual(last);
      }
    });
  });

  it('makes events of every step type that fit their schemas, so every reader can interpret them', () => {
    const outline: WorkflowOutline = {
      ...workflow,
      agents: [...workflow.agents, { name: 'pause', type: 'wait' }, { name: 'child', type: 'workflow' }],
      parallel_groups: [{ name: 'team', agents: ['plan', 'code'] }],
      for_each_groups: [{ name: 'each', source: 'plan.items' }],
    };
    const steps = ['plan', 'lint', 'flag', 'approve', 'pause', 'child', 'team', 'each'];
    const events = synthesizeHistory(
      checkpoint({
        last_seq: null,
        context: {
          step_outputs: { approve: { selected: 'yes' }, team: { plan: 1, code: 2 }, each: [1, 2] },
          execution_history: [
            ...steps.map((step) => ({ step, iteration: 1, elapsed: 1 })),
            ...steps.map((step) => ({ step, status: 'failed', error_type: 'Boom' })),
          ],
        },
      }),
      outline,
    );
    expect(new Set(events.map((e) => e.type))).toEqual(
      new Set([
        'workflow_started',
        'agent_started',
        'agent_completed',
        'agent_failed',
        'script_started',
        'script_completed',
        'script_failed',
        'set_started',
        'set_completed',
        'set_failed',
        'gate_presented',
        'gate_resolved',
        'wait_started',
        'wait_completed',
        'subworkflow_started',
        'subworkflow_completed',
        'subworkflow_failed',
        'parallel_started',
        'parallel_completed',
        'for_each_started',
        'for_each_completed',
        'workflow_failed',
      ]),
    );
    const misfits = events
      .map((event) => decodeEvent(event))
      .flatMap((decoded) => (decoded.ok && !decoded.known ? [decoded.reason] : []));
    expect(misfits).toEqual([]);
  });

  it('yields nothing for an empty history without a graph', () => {
    expect(synthesizeHistory(checkpoint({ trigger: 'periodic', context: {} }))).toEqual([]);
  });
});

describe('synthesizeHistory with @conductor/checkpoint', () => {
  it('accepts a loaded version-2 checkpoint as it is', () => {
    expectTypeOf<Checkpoint>().toExtend<CheckpointHistory>();
    const loaded: Checkpoint = {
      version: 2,
      run_id: 'run-1',
      generation: 0,
      workflow_path: '/w/review.yaml',
      workflow_hash: 'a'.repeat(64),
      created_at: '2026-11-21T06:00:00Z',
      trigger: 'timeout',
      failure: { error_type: 'Timeout', message: 'took over 600 s', agent_name: 'code' },
      inputs: {},
      current_step: 'code',
      context: {
        workflow_inputs: {},
        step_outputs: { plan: 'p' },
        execution_history: [{ step: 'plan', iteration: 1 }],
      },
      limits: { max_iterations: 10, timeout_seconds: 600 },
      event_log_path: null,
      last_seq: 0,
    };
    expect(synthesizeHistory(loaded).map((e) => [e.seq, e.type])).toEqual([
      [1, 'agent_started'],
      [2, 'agent_completed'],
      [3, 'agent_started'],
      [4, 'workflow_failed'],
    ]);
  });
});
