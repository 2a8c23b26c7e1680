import { describe, expect, it } from 'vitest';
import { applyEvent, projectEvents } from '../projection.js';
import { MAX_TOOL_CALLS_KEPT, OLDER_TOOL_CALLS_KEPT } from './state.js';
import { stepReducers } from './steps.js';
import { eventMaker, foldWith } from './test-helpers.js';
import { TOOL_TEXT_CHARS_KEPT, toolReducers } from './tools.js';

const spill = {
  ref: 'g0-1-w.result',
  path: '/runs/x/outputs/g0-1-w.result',
  bytes: 90000,
  head_chars: 25000,
  sha256: 'ab',
};

describe('the tools reducer', () => {
  it('records each call of an attempt with its arguments, result or error, and time', () => {
    const ev = eventMaker();
    const state = foldWith(
      [stepReducers, toolReducers],
      [
        ev('agent_started', { agent_name: 'w' }),
        ev('agent_tool_start', {
          agent_name: 'w',
          tool_name: 'notes__read',
          call_id: 'c1',
          arguments: { name: 'a.md' },
        }),
        ev('agent_tool_start', {
          agent_name: 'w',
          tool_name: 'notes__read',
          call_id: 'c2',
          arguments: '{"name":',
          arguments_error: 'not valid JSON',
        }),
        ev('agent_tool_complete', {
          agent_name: 'w',
          tool_name: 'notes__read',
          call_id: 'c2',
          result: null,
          error: 'not a JSON object',
          elapsed: 0,
        }),
        ev('agent_tool_complete', {
          agent_name: 'w',
          tool_name: 'notes__read',
          call_id: 'c1',
          result: 'x'.repeat(25000),
          elapsed: 2.5,
          error: null,
          spills: { result: spill },
        }),
        ev('agent_tool_start', { agent_name: 'w', tool_name: 'notes__list', call_id: 'c3', arguments: {} }),
      ],
    );
    const attempt = state.steps.w?.attempts[0];
    expect(attempt?.tool_calls).toBe(3);
    expect(attempt?.tools).toEqual([
      {
        call_id: 'c1',
        name: 'notes__read',
        status: 'completed',
        arguments: { name: 'a.md' },
        result: `${'x'.repeat(TOOL_TEXT_CHARS_KEPT - 1)}…`,
        result_truncated: true,
        result_size: 25000,
        error: null,
        started_at: 1002,
        elapsed: 2.5,
        spills: { result: spill },
        start_seq: 2,
        end_seq: 5,
      },
      {
        call_id: 'c2',
        name: 'notes__read',
        status: 'failed',
        arguments: '{"name":',
        result: null,
        error: 'not a JSON object',
        started_at: 1003,
        elapsed: 0,
        start_seq: 3,
        end_seq: 4,
      },
      expect.objectContaining({ call_id: 'c3', status: 'running', end_seq: null, elapsed: null }),
    ]);
  });

  it("pairs calls of the original's logs (no call ids) by tool name", () => {
    const ev = eventMaker();
    const state = foldWith(
      [stepReducers, toolReducers],
      [
        ev('agent_started', { agent_name: 'w' }),
        ev('agent_tool_start', { agent_name: 'w', tool_name: 'read', arguments: { n: 1 } }),
        ev('agent_tool_start', { agent_name: 'w', tool_name: 'list' }),
        ev('agent_tool_complete', { agent_name: 'w', tool_name: 'read', result: 'one' }),
      ],
    );
    expect(state.steps.w?.attempts[0]?.tools?.map((c) => [c.name, c.status, c.result])).toEqual([
      ['read', 'completed', 'one'],
      ['list', 'running', undefined],
    ]);
  });

  it("keeps the latest calls of an attempt, fewer of older ones, and an interrupted attempt's calls as its own", () => {
    const ev = eventMaker();
    const calls = (n: number, from = 0) =>
      Array.from({ length: n }, (_, i) => [
        ev('agent_tool_start', { agent_name: 'w', tool_name: 't', call_id: `c${from + i}` }),
        ev('agent_tool_complete', {
          agent_name: 'w',
          tool_name: 't',
          call_id: `c${from + i}`,
          result: String(from + i),
          error: null,
        }),
      ]).flat();
    const first = projectEvents([
      ev('workflow_started', { name: 'x', entry_point: 'w', agents: [{ name: 'w', type: 'agent' }] }),
      ev('agent_started', { agent_name: 'w' }),
      ...calls(MAX_TOOL_CALLS_KEPT + 3),
      ev('agent_tool_start', { agent_name: 'w', tool_name: 't', call_id: 'cut' }),
      ev('workflow_failed', { error_type: 'Interrupted', stopped_by_user: true }),
    ]);
    const interrupted = first.steps.w?.attempts[0];
    expect(interrupted?.status).toBe('failed');
    expect(interrupted?.tool_calls).toBe(MAX_TOOL_CALLS_KEPT + 4);
    expect(interrupted?.tools).toHaveLength(MAX_TOOL_CALLS_KEPT);
    expect(interrupted?.tools?.at(-1)).toMatchObject({ call_id: 'cut', status: 'running' });

    let state = applyEvent(
      first,
      ev('workflow_resumed', { run_id: 'r', resumed_at_step: 'w', generation: 1, history_source: 'log' }),
    );
    for (const event of [
      ev('agent_started', { agent_name: 'w' }),
      ...calls(1, 100),
      ev('agent_completed', { agent_name: 'w', output: {} }),
    ])
      state = applyEvent(state, event);
    const [older, latest] = state.steps.w?.attempts ?? [];
    expect(older?.generation).toBe(0);
    expect(older?.tools).toHaveLength(OLDER_TOOL_CALLS_KEPT);
    expect(older?.tools?.at(-1)?.call_id).toBe('cut');
    expect(latest).toMatchObject({
      generation: 1,
      tool_calls: 1,
      tools: [expect.objectContaining({ call_id: 'c100', result: '100' })],
    });
  });
});
