import { describe, expect, it } from 'vitest';
import { gateReducers } from './gates.js';
import { stepReducers } from './steps.js';
import { eventMaker, foldWith } from './test-helpers.js';

const options = [{ label: 'Yes', value: 'y', prompt_for: 'Why?' }];

describe('the gates reducer', () => {
  it('keeps each waiting gate by its step key, the longest waiting as `gate`, until answered', () => {
    const ev = eventMaker();
    const state = foldWith(
      [gateReducers],
      [
        ev('gate_presented', {
          agent_name: 'confirm',
          prompt: 'Inner?',
          options,
          subworkflow_path: ['review'],
        }),
        ev('gate_presented', { agent_name: 'approve', prompt: 'Ship?', options }),
      ],
    );
    expect(state.gates.approve).toEqual({ step: 'approve', path: [], prompt: 'Ship?', options, seq: 2 });
    expect(state.gate?.step).toBe('review/confirm');
    const answered = foldWith(
      [gateReducers],
      [ev('gate_resolved', { agent_name: 'confirm', selected_option: 'y', subworkflow_path: ['review'] })],
      state,
    );
    expect(Object.keys(answered.gates)).toEqual(['approve']);
    expect(answered.gate?.step).toBe('approve');
  });

  it('lets go of every gate when the run ends or resumes, and of one whose answer was lost', () => {
    const ev = eventMaker();
    const waiting = foldWith(
      [stepReducers, gateReducers],
      [
        ev('gate_presented', { agent_name: 'a', prompt: 'A?', options }),
        ev('gate_presented', { agent_name: 'b', prompt: 'B?', options }),
      ],
    );
    const routed = foldWith(
      [stepReducers, gateReducers],
      [ev('route_taken', { from_agent: 'a', to_agent: 'c' })],
      waiting,
    );
    expect(Object.keys(routed.gates)).toEqual(['b']);
    for (const end of [
      ev('workflow_failed', { error_type: 'Interrupted' }),
      ev('workflow_completed', {}),
      ev('workflow_resumed', { run_id: 'r', resumed_at_step: 'b', generation: 1, history_source: 'log' }),
    ]) {
      const ended = foldWith([gateReducers], [end], routed);
      expect([ended.gates, ended.gate]).toEqual([{}, null]);
    }
  });
});
