import { describe, expect, it } from 'vitest';
import { OLDER_OUTPUT_CHARS_KEPT, TEXT_CHARS_KEPT } from '../bounded.js';
import { MAX_ATTEMPTS_KEPT } from './state.js';
import { stepReducers } from './steps.js';
import { eventMaker, foldWith } from './test-helpers.js';

const started = {
  name: 'w',
  entry_point: 'draft',
  agents: [{ name: 'draft', type: 'agent' }, { name: 'check' }],
};

describe('the steps reducer', () => {
  it('shows every declared step as pending, and those never reached as skipped once the run completes', () => {
    const ev = eventMaker();
    const before = foldWith([stepReducers], [ev('workflow_started', started)]);
    expect(before.step_order).toEqual(['draft', 'check']);
    expect(before.steps.draft).toMatchObject({
      key: 'draft',
      type: 'agent',
      status: 'pending',
      attempt_count: 0,
    });
    expect(before.steps.check?.type).toBeNull();
    const after = foldWith(
      [stepReducers],
      [ev('agent_started', { agent_name: 'draft' }), ev('workflow_completed', {})],
      before,
    );
    expect([after.steps.draft?.status, after.steps.check?.status]).toEqual(['running', 'skipped']);
  });

  it('records an attempt with its prompt, tools, retries, tokens and output', () => {
    const ev = eventMaker();
    const state = foldWith(
      [stepReducers],
      [
        ev('agent_started', { agent_name: 'draft', iteration: 2 }),
        ev('agent_prompt_rendered', {
          agent_name: 'draft',
          rendered_prompt: 'p'.repeat(TEXT_CHARS_KEPT + 10),
        }),
        ev('agent_tool_start', { agent_name: 'draft', tool_name: 'read' }),
        ev('agent_tool_start', { agent_name: 'draft', tool_name: 'read' }),
        ev('agent_retry', { agent_name: 'draft', attempt: 1, max_attempts: 3 }),
        ev('agent_completed', {
          agent_name: 'draft',
          model: 'm',
          tokens: 5,
          cost_usd: null,
          output: { ok: 1 },
        }),
      ],
    );
    const attempt = state.steps.draft?.attempts[0];
    expect(state.steps.draft).toMatchObject({ type: 'agent', status: 'completed', attempt_count: 1 });
    expect(attempt).toMatchObject({
      iteration: 2,
      status: 'completed',
      started_at: 1001,
      finished_at: 1006,
      elapsed: 5,
      prompt_truncated: true,
      tool_calls: 2,
      retries: 1,
      model: 'm',
      tokens: 5,
      cost_usd: null,
      output: { ok: 1 },
      first_seq: 1,
      last_seq: 6,
    });
    expect(attempt?.prompt?.length).toBe(TEXT_CHARS_KEPT);
  });

  it('counts a script’s agent_started then script_started as one attempt, and a loop as many, keeping the latest', () => {
    const ev = eventMaker();
    const events = [
      ev('agent_started', { agent_name: 'check', agent_type: 'script' }),
      ev('script_started', { agent_name: 'check' }),
      ev('script_completed', { agent_name: 'check', stdout: '{"n":1}', exit_code: 0 }),
    ];
    for (let i = 0; i < MAX_ATTEMPTS_KEPT + 5; i++) {
      events.push(ev('set_started', { agent_name: 'loop' }));
      events.push(ev('set_completed', { agent_name: 'loop', output: 'x'.repeat(2000) }));
    }
    const state = foldWith([stepReducers], events);
    expect(state.steps.check).toMatchObject({ type: 'script', attempt_count: 1 });
    expect(state.steps.check?.attempts[0]?.output).toEqual({
      stdout: '{"n":1}',
      stderr: undefined,
      exit_code: 0,
      n: 1,
    });
    const loop = state.steps.loop;
    expect(loop?.attempt_count).toBe(MAX_ATTEMPTS_KEPT + 5);
    expect(loop?.attempts).toHaveLength(MAX_ATTEMPTS_KEPT);
    // Older attempts keep a smaller head of their output than the latest.
    expect(String(loop?.attempts[0]?.output).length).toBeLessThanOrEqual(OLDER_OUTPUT_CHARS_KEPT);
    expect(String(loop?.attempts.at(-1)?.output)).toHaveLength(2000);
  });

  it('fails the attempt of a failed step, an interrupted wait, and a step running when the run failed', () => {
    const ev = eventMaker();
    const state = foldWith(
      [stepReducers],
      [
        ev('set_started', { agent_name: 'flag' }),
        ev('set_failed', {
          agent_name: 'flag',
          error_type: 'TemplateError',
          message: 'm'.repeat(TEXT_CHARS_KEPT * 2),
        }),
        ev('wait_started', { agent_name: 'pause', duration_seconds: 60 }),
        ev('wait_completed', { agent_name: 'pause', waited_seconds: 3, interrupted: true }),
        ev('subworkflow_started', { agent_name: 'child', workflow: 'child.yaml' }),
        ev('workflow_failed', { error_type: 'Interrupted', message: 'stopped' }),
      ],
    );
    expect(state.steps.flag?.attempts[0]?.error?.error_type).toBe('TemplateError');
    expect(state.steps.flag?.attempts[0]?.error?.message?.length).toBe(TEXT_CHARS_KEPT);
    expect(state.steps.pause?.attempts[0]).toMatchObject({
      status: 'failed',
      elapsed: 3,
      output: { waited_seconds: 3 },
      error: { error_type: 'Interrupted', message: 'wait interrupted' },
    });
    expect(state.steps.child).toMatchObject({ type: 'workflow', status: 'failed' });
    expect(state.steps.child?.attempts[0]?.error).toEqual({ error_type: 'Interrupted', message: 'stopped' });
  });

  it('waits at a gate and completes it with the answer', () => {
    const ev = eventMaker();
    const waiting = foldWith(
      [stepReducers],
      [
        ev('gate_presented', {
          agent_name: 'approve',
          prompt: 'Ship?',
          options: [{ label: 'Yes', value: 'y' }],
        }),
      ],
    );
    expect(waiting.steps.approve?.status).toBe('waiting');
    const answered = foldWith(
      [stepReducers],
      [ev('gate_resolved', { agent_name: 'approve', selected_option: 'y', route: 'ship' })],
      waiting,
    );
    expect(answered.steps.approve?.attempts[0]).toMatchObject({
      status: 'completed',
      output: { selected: 'y', route: 'ship' },
    });
  });

  it('fails an attempt whose end was lost once the run routes past it, and keys sub-workflow steps by path', () => {
    const ev = eventMaker();
    const state = foldWith(
      [stepReducers],
      [
        ev('agent_started', { agent_name: 'draft' }),
        ev('route_taken', { from_agent: 'draft', to_agent: 'check' }),
        ev('agent_started', { agent_name: 'inner', subworkflow_path: ['check'] }),
      ],
    );
    expect(state.steps.draft?.attempts[0]?.error?.error_type).toBe('EndNotRecorded');
    expect(state.steps['check/inner']).toMatchObject({
      name: 'inner',
      subworkflow_path: ['check'],
      status: 'running',
    });
  });

  it('makes no step of a for_each item’s own step events', () => {
    const ev = eventMaker();
    const item = { group_name: 'each', index: 0, item_key: 'a' };
    const state = foldWith(
      [stepReducers],
      [
        ev('agent_started', { agent_name: 'each[0]', ...item }),
        ev('agent_completed', { agent_name: 'each[0]', ...item }),
      ],
    );
    expect(state.steps).toEqual({});
    expect(state.event_count).toBe(2);
  });
});
