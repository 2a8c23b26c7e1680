import { describe, expect, it } from 'vitest';
import type { ConductorEvent } from './envelope.js';
import {
  applyEvent,
  initialRunState,
  MAX_ATTEMPTS_KEPT,
  projectEvents,
  runElapsedSeconds,
  runTimes,
} from './projection.js';

let seq = 0;
let clock = 1000;
function ev(type: string, data: Record<string, unknown> = {}): ConductorEvent {
  seq += 1;
  clock += 1;
  return { seq, type, timestamp: clock, data };
}
function reset() {
  seq = 0;
  clock = 1000;
}

const started = () =>
  ev('workflow_started', {
    name: 'review',
    entry_point: 'draft',
    run_id: 'r1',
    agents: [
      { name: 'draft', type: 'agent' },
      { name: 'check', type: 'script' },
      { name: 'publish', type: 'agent' },
    ],
    routes: [
      { from: 'draft', to: 'check' },
      { from: 'check', to: 'publish' },
      { from: 'publish', to: '$end' },
    ],
    inputs: { topic: 'x' },
  });

describe('projection', () => {
  it('starts every declared step as pending and tracks a successful run', () => {
    reset();
    const state = projectEvents([
      started(),
      ev('agent_started', { agent_name: 'draft', iteration: 1, agent_type: 'agent' }),
      ev('agent_prompt_rendered', { agent_name: 'draft', rendered_prompt: 'Write about x' }),
      ev('agent_message', { agent_name: 'draft', content: 'hello ' }),
      ev('agent_message', { agent_name: 'draft', content: 'world' }),
      ev('agent_completed', {
        agent_name: 'draft',
        elapsed: 2,
        model: 'm',
        tokens: 30,
        input_tokens: 10,
        output_tokens: 20,
        output: { text: 'hi' },
      }),
      ev('route_taken', { from_agent: 'draft', to_agent: '$end' }),
      ev('workflow_completed', { elapsed: 6, output: { text: 'hi' } }),
    ]);
    expect(state.run).toMatchObject({
      run_id: 'r1',
      name: 'review',
      status: 'completed',
      started_at: 1001,
      finished_at: 1008,
    });
    expect(state.run.output).toEqual({ text: 'hi' });
    const draft = state.steps.draft;
    expect(draft?.status).toBe('completed');
    expect(draft?.attempt_count).toBe(1);
    expect(draft?.attempts[0]).toMatchObject({
      prompt: 'Write about x',
      model: 'm',
      tokens: 30,
      elapsed: 2,
      started_at: 1002,
      finished_at: 1006,
    });
    expect(draft?.attempts[0]?.output).toEqual({ text: 'hi' });
    // Never reached: skipped once the run completes.
    expect(state.steps.check?.status).toBe('skipped');
    expect(state.step_order).toEqual(['draft', 'check', 'publish']);
    expect(state.last_seq).toBe(8);
  });

  it('shows a step whose completion line was lost as not completed once its route is taken', () => {
    reset();
    const state = projectEvents([
      started(),
      ev('agent_started', { agent_name: 'draft' }),
      // agent_completed of draft was damaged and skipped by the reader.
      ev('route_taken', { from_agent: 'draft', to_agent: 'check' }),
      ev('script_started', { agent_name: 'check' }),
    ]);
    expect(state.steps.draft).toMatchObject({ status: 'failed', attempt_count: 1 });
    expect(state.steps.draft?.attempts[0]).toMatchObject({
      status: 'failed',
      finished_at: 1003,
      last_seq: 3,
      error: { error_type: 'EndNotRecorded' },
    });
    expect(state.steps.check?.status).toBe('running');
    expect(state.run.current_step).toBe('check');
    // A step that completed is left as it is by its route.
    const clean = projectEvents([
      started(),
      ev('agent_started', { agent_name: 'draft' }),
      ev('agent_completed', { agent_name: 'draft', output: 1 }),
      ev('route_taken', { from_agent: 'draft', to_agent: 'check' }),
    ]);
    expect(clean.steps.draft?.attempts[0]).toMatchObject({ status: 'completed', error: null });
  });

  it('treats an earlier generation failure as that attempt failing, and the resume continues the same run', () => {
    reset();
    const before = projectEvents([
      started(),
      ev('agent_started', { agent_name: 'draft' }),
      ev('agent_completed', { agent_name: 'draft', output: { text: 'a' } }),
      ev('route_taken', { from_agent: 'draft', to_agent: 'check' }),
      ev('script_started', { agent_name: 'check' }),
      ev('script_failed', { agent_name: 'check', error_type: 'ScriptExitError', message: 'exit 1' }),
      ev('checkpoint_saved', { path: '/cp.json', trigger: 'failure', agent_name: 'check' }),
      ev('workflow_failed', {
        error_type: 'ScriptExitError',
        message: 'exit 1',
        agent_name: 'check',
        checkpoint_path: '/cp.json',
      }),
    ]);
    expect(before.run.status).toBe('failed');
    expect(before.run.checkpoint_path).toBe('/cp.json');
    expect(before.steps.check?.status).toBe('failed');

    const after = projectEvents(
      [
        ev('workflow_resumed', {
          run_id: 'r1',
          checkpoint_path: '/cp.json',
          checkpoint_created_at: '2026-11-21T00:00:00Z',
          resumed_at_step: 'check',
          generation: 1,
          history_source: 'log',
        }),
        ev('script_started', { agent_name: 'check' }),
        ev('script_completed', {
          agent_name: 'check',
          exit_code: 0,
          stdout: 'ok',
          output: { stdout: 'ok', exit_code: 0 },
        }),
      ],
      before,
    );
    expect(after.run).toMatchObject({ status: 'running', generation: 1, started_at: 1001, error: null });
    expect(after.resumes).toEqual([
      expect.objectContaining({ generation: 1, seq: 9, resumed_at_step: 'check', history_source: 'log' }),
    ]);
    const check = after.steps.check;
    expect(check?.status).toBe('completed');
    expect(check?.attempt_count).toBe(2);
    expect(check?.attempts.map((a) => [a.number, a.generation, a.status])).toEqual([
      [1, 0, 'failed'],
      [2, 1, 'completed'],
    ]);
    expect(check?.attempts[0]?.error).toEqual({ error_type: 'ScriptExitError', message: 'exit 1' });
    // The draft step from the first generation is still shown with its output.
    expect(after.steps.draft?.attempts[0]?.output).toEqual({ text: 'a' });
  });

  it('marks a step that was running when the run was interrupted as failed there', () => {
    reset();
    const state = projectEvents([
      started(),
      ev('wait_started', { agent_name: 'draft', duration_seconds: 10 }),
      ev('workflow_failed', { error_type: 'Interrupted', message: 'stopped', stopped_by_user: true }),
    ]);
    expect(state.run.status).toBe('interrupted');
    expect(state.steps.draft?.status).toBe('failed');
    expect(state.steps.draft?.attempts[0]?.error?.error_type).toBe('Interrupted');
  });

  it('counts script_started after agent_started as the same attempt', () => {
    reset();
    const state = projectEvents([
      started(),
      ev('agent_started', { agent_name: 'check', agent_type: 'script' }),
      ev('script_started', { agent_name: 'check' }),
      ev('script_completed', { agent_name: 'check', exit_code: 0, stdout: 'x' }),
    ]);
    expect(state.steps.check?.attempt_count).toBe(1);
    expect(state.steps.check?.attempts[0]?.output).toEqual({ stdout: 'x', stderr: undefined, exit_code: 0 });
  });

  it('flags synthetic history and keeps its outputs', () => {
    reset();
    const state = projectEvents([
      ev('agent_started', { agent_name: 'draft', synthetic: true }),
      ev('agent_completed', { agent_name: 'draft', output: { n: 1 }, synthetic: true }),
    ]);
    expect(state.run.has_synthetic_history).toBe(true);
    expect(state.steps.draft?.attempts[0]).toMatchObject({
      synthetic: true,
      status: 'completed',
      output: { n: 1 },
    });
  });

  it('keeps a bounded number of attempts for a step in a long loop', () => {
    reset();
    let state = projectEvents([started()]);
    for (let i = 0; i < 500; i++) {
      state = applyEvent(state, ev('set_started', { agent_name: 'draft' }));
      state = applyEvent(state, ev('set_completed', { agent_name: 'draft', output: i }));
    }
    const draft = state.steps.draft;
    expect(draft?.attempt_count).toBe(500);
    expect(draft?.attempts).toHaveLength(MAX_ATTEMPTS_KEPT);
    expect(draft?.attempts.at(-1)).toMatchObject({ number: 500, output: 499 });
    expect(JSON.stringify(state).length).toBeLessThan(20_000);
  });

  it('tracks a pending gate and clears it when resolved', () => {
    reset();
    let state = projectEvents([
      started(),
      ev('gate_presented', {
        agent_name: 'publish',
        prompt: 'Ship it?',
        options: [{ label: 'Yes', value: 'yes' }],
      }),
    ]);
    expect(state.gate).toMatchObject({ step: 'publish', prompt: 'Ship it?' });
    expect(state.steps.publish?.status).toBe('waiting');
    state = applyEvent(state, ev('gate_resolved', { agent_name: 'publish', selected_option: 'yes' }));
    expect(state.gate).toBeNull();
    expect(state.steps.publish?.status).toBe('completed');
  });

  it('keys sub-workflow steps by their path, keeps the child graph, and leaves the root run alone', () => {
    reset();
    const state = projectEvents([
      started(),
      ev('workflow_started', {
        name: 'child',
        entry_point: 'inner',
        agents: [{ name: 'inner', type: 'agent' }],
        subworkflow_path: ['draft'],
      }),
      ev('agent_started', { agent_name: 'inner', subworkflow_path: ['draft'] }),
      ev('workflow_completed', { output: 1, subworkflow_path: ['draft'] }),
    ]);
    expect(state.steps['draft/inner']?.status).toBe('running');
    expect(state.run.status).toBe('running');
    expect(state.graph?.name).toBe('review');
    expect(state.subworkflows.draft).toMatchObject({
      path: ['draft'],
      status: 'completed',
      graph: { name: 'child', entry_point: 'inner' },
    });
  });

  it('counts group progress', () => {
    reset();
    const state = projectEvents([
      started(),
      ev('for_each_started', { group_name: 'items', item_count: 3, max_concurrent: 2 }),
      ev('for_each_item_started', { group_name: 'items', index: 0 }),
      ev('for_each_item_started', { group_name: 'items', index: 1 }),
      ev('for_each_item_completed', { group_name: 'items', index: 0 }),
      ev('for_each_item_failed', { group_name: 'items', index: 1 }),
    ]);
    expect(state.groups.items).toMatchObject({
      total: 3,
      running: 0,
      completed: 1,
      failed: 1,
      status: 'running',
    });
  });

  it('measures elapsed time from the first start, across resumes', () => {
    reset();
    const state = projectEvents([
      started(),
      ev('workflow_failed', { error_type: 'X' }),
      ev('workflow_resumed', {
        run_id: 'r1',
        resumed_at_step: 'draft',
        generation: 1,
        history_source: 'log',
      }),
    ]);
    expect(runElapsedSeconds(state, 1100)).toBe(99);
  });

  it('never modifies the state it is given', () => {
    reset();
    const first = projectEvents([started()]);
    const snapshot = JSON.stringify(first);
    applyEvent(first, ev('agent_started', { agent_name: 'draft' }));
    expect(JSON.stringify(first)).toBe(snapshot);
    expect(initialRunState().run.status).toBe('pending');
  });
});

describe('projection: run-level summaries', () => {
  it('sums tokens and cost over agent attempts, counts routes taken, keeps why no checkpoint was written', () => {
    reset();
    const state = projectEvents([
      started(),
      ev('agent_started', { agent_name: 'draft' }),
      ev('agent_completed', {
        agent_name: 'draft',
        tokens: 30,
        input_tokens: 10,
        output_tokens: 20,
        cost_usd: 0.5,
      }),
      ev('route_taken', { from_agent: 'draft', to_agent: 'draft' }),
      ev('agent_started', { agent_name: 'draft' }),
      ev('agent_completed', {
        agent_name: 'draft',
        tokens: 5,
        input_tokens: 2,
        output_tokens: 3,
        cost_usd: 0.25,
      }),
      ev('route_taken', { from_agent: 'draft', to_agent: 'draft' }),
      ev('agent_started', { agent_name: 'draft' }),
      ev('workflow_failed', { error_type: 'X', checkpoint_unavailable_reason: 'disk full' }),
    ]);
    expect(state.run.totals).toEqual({ tokens: 35, input_tokens: 12, output_tokens: 23, cost_usd: 0.75 });
    expect(state.routes_taken['draft->draft']).toEqual({ from: 'draft', to: 'draft', count: 2, last_seq: 7 });
    expect(state.run.checkpoint_unavailable_reason).toBe('disk full');
    expect(state.run.current_step).toBeNull();
  });
});

describe('projection: for_each items', () => {
  it('counts items in their group instead of making each one a step, keeping a bounded list', () => {
    reset();
    let state = projectEvents([
      started(),
      ev('for_each_started', { group_name: 'each', item_count: 500, max_concurrent: 10 }),
    ]);
    for (let index = 0; index < 500; index++) {
      const fields = { group_name: 'each', item_key: `k${index}`, index };
      state = applyEvent(state, ev('for_each_item_started', fields));
      state = applyEvent(state, ev('set_started', { agent_name: `each[${index}]`, ...fields }));
      state = applyEvent(
        state,
        ev('set_completed', { agent_name: `each[${index}]`, output: index, ...fields }),
      );
      state = applyEvent(
        state,
        index % 100 === 7
          ? ev('for_each_item_failed', { ...fields, error_type: 'Boom', message: `item ${index}` })
          : ev('for_each_item_completed', { ...fields, output: index }),
      );
    }
    expect(Object.keys(state.steps)).toEqual(['draft', 'check', 'publish']);
    expect(state.run.current_step).toBe('each');
    const group = state.groups.each;
    expect(group).toMatchObject({ total: 500, completed: 495, failed: 5, running: 0 });
    expect(group?.recent_items).toHaveLength(30);
    expect(group?.recent_items.at(-1)).toMatchObject({
      index: 499,
      key: 'k499',
      status: 'completed',
      output: 499,
    });
    expect(group?.failed_items.map((item) => item.index)).toEqual([7, 107, 207, 307, 407]);
    expect(group?.failed_items[0]?.error).toEqual({ error_type: 'Boom', message: 'item 7' });
  });
});

describe('projection: parallel groups', () => {
  it('counts members running, done and failed, and keeps the failure mode', () => {
    reset();
    let state = projectEvents([
      started(),
      ev('parallel_started', {
        group_name: 'research',
        agents: ['a', 'b', 'c'],
        failure_mode: 'continue_on_error',
      }),
      ev('agent_started', { agent_name: 'a', group_name: 'research' }),
      ev('agent_started', { agent_name: 'b', group_name: 'research' }),
    ]);
    expect(state.groups.research).toMatchObject({ total: 3, running: 2, failure_mode: 'continue_on_error' });
    expect(state.run.current_step).toBe('research');
    state = projectEvents(
      [
        ev('parallel_agent_completed', { group_name: 'research', agent_name: 'a' }),
        ev('parallel_agent_failed', { group_name: 'research', agent_name: 'b', error_type: 'X' }),
      ],
      state,
    );
    expect(state.groups.research).toMatchObject({ running: 0, completed: 1, failed: 1 });
  });
});

describe('projection: gates at any depth', () => {
  it('keeps every pending gate by step key, the oldest as `gate`, and clears each when answered', () => {
    reset();
    let state = projectEvents([
      started(),
      ev('gate_presented', {
        agent_name: 'confirm',
        prompt: 'Inner?',
        options: [{ label: 'Yes', value: 'yes' }],
        subworkflow_path: ['review'],
      }),
      ev('gate_presented', {
        agent_name: 'publish',
        prompt: 'Ship?',
        options: [{ label: 'Yes', value: 'yes' }],
      }),
    ]);
    expect(Object.keys(state.gates).sort()).toEqual(['publish', 'review/confirm']);
    expect(state.gate).toMatchObject({ step: 'review/confirm', path: ['review'], prompt: 'Inner?' });
    expect(state.steps['review/confirm']?.status).toBe('waiting');
    state = applyEvent(
      state,
      ev('gate_resolved', { agent_name: 'confirm', selected_option: 'yes', subworkflow_path: ['review'] }),
    );
    expect(Object.keys(state.gates)).toEqual(['publish']);
    expect(state.gate?.step).toBe('publish');
    state = applyEvent(state, ev('workflow_failed', { error_type: 'Interrupted', stopped_by_user: true }));
    expect(state.gates).toEqual({});
    expect(state.gate).toBeNull();
  });
});

describe('projection: groups inside sub-workflows', () => {
  it('keys a group by its sub-workflow path, so it never collides with a root group of the same name', () => {
    reset();
    const state = projectEvents([
      started(),
      ev('for_each_started', { group_name: 'each', item_count: 2 }),
      ev('for_each_started', { group_name: 'each', item_count: 5, subworkflow_path: ['review'] }),
      ev('for_each_item_started', { group_name: 'each', index: 0, subworkflow_path: ['review'] }),
    ]);
    expect(state.groups.each).toMatchObject({ key: 'each', total: 2, running: 0 });
    expect(state.groups['review/each']).toMatchObject({
      key: 'review/each',
      name: 'each',
      total: 5,
      running: 1,
    });
  });
});

describe('runTimes: the wall and active time of a run across resumes', () => {
  const at = (seq: number, timestamp: number, type: string, data: Record<string, unknown> = {}) => ({
    seq,
    type,
    timestamp,
    data,
  });
  const started = { name: 'w', entry_point: 'a', agents: [{ name: 'a', type: 'agent' }] };
  const resumed = { run_id: 'r', resumed_at_step: 'a', generation: 1, history_source: 'log' };

  it('is null before the run starts, and runs to now while it goes', () => {
    expect(runTimes(initialRunState(), 5)).toBeNull();
    const state = projectEvents([at(1, 100, 'workflow_started', started)]);
    expect(runTimes(state, 130)).toEqual({ wall: 30, active: 30, downtimes: [] });
  });

  it('leaves the time between a failure and its resume out of the active time', () => {
    const state = projectEvents([
      at(1, 100, 'workflow_started', started),
      at(2, 110, 'workflow_failed', { error_type: 'X', message: 'boom' }),
      at(3, 200, 'workflow_resumed', resumed),
      at(4, 205, 'workflow_completed', { output: 'ok' }),
    ]);
    expect(state.resumes[0]?.stopped_at).toBe(110);
    expect(runTimes(state, 999)).toEqual({
      wall: 105,
      active: 15,
      downtimes: [{ from: 110, to: 200, generation: 1 }],
    });
  });
});

describe('a synthetic attempt', () => {
  it('has no elapsed time unless its event says one (its timestamps are made up)', () => {
    const state = projectEvents([
      { seq: 1, type: 'script_started', timestamp: 100, data: { agent_name: 's', synthetic: true } },
      { seq: 2, type: 'script_completed', timestamp: 100.001, data: { agent_name: 's', synthetic: true } },
      { seq: 3, type: 'agent_started', timestamp: 100.002, data: { agent_name: 'a', synthetic: true } },
      {
        seq: 4,
        type: 'agent_completed',
        timestamp: 100.003,
        data: { agent_name: 'a', elapsed: 0.42, synthetic: true },
      },
    ]);
    expect(state.steps.s?.attempts[0]?.elapsed).toBeNull();
    expect(state.steps.a?.attempts[0]?.elapsed).toBe(0.42);
  });
});

describe('a failed script', () => {
  it('keeps its stderr and exit code as its output, beside the error', () => {
    const state = projectEvents([
      { seq: 1, type: 'script_started', timestamp: 100, data: { agent_name: 's' } },
      {
        seq: 2,
        type: 'script_failed',
        timestamp: 101,
        data: {
          agent_name: 's',
          error_type: 'ScriptFailed',
          message: 'script step "s" exited with code 3',
          stdout: '',
          stderr: 'no such table: users\n',
          exit_code: 3,
        },
      },
    ]);
    const attempt = state.steps.s?.attempts[0];
    expect(attempt?.error).toEqual({
      error_type: 'ScriptFailed',
      message: 'script step "s" exited with code 3',
    });
    expect(attempt?.output).toMatchObject({ stderr: 'no such table: users\n', exit_code: 3 });
  });
});
