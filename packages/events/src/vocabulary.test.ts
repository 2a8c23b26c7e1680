import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, validateEventData } from './vocabulary.js';

describe('event vocabulary', () => {
  it('covers every event named in the reference', () => {
    for (const type of [
      'workflow_started',
      'workflow_resumed',
      'workflow_completed',
      'workflow_failed',
      'route_taken',
      'checkpoint_saved',
      'checkpoint_save_failed',
      'iteration_limit_reached',
      'iteration_limit_resolved',
      'agent_started',
      'agent_prompt_rendered',
      'agent_message',
      'agent_reasoning',
      'agent_tool_start',
      'agent_tool_complete',
      'agent_retry',
      'agent_timeout',
      'agent_completed',
      'agent_failed',
      'script_started',
      'script_completed',
      'script_failed',
      'set_started',
      'set_completed',
      'set_failed',
      'wait_started',
      'wait_completed',
      'gate_presented',
      'gate_resolved',
      'subworkflow_started',
      'subworkflow_completed',
      'subworkflow_failed',
      'parallel_started',
      'parallel_completed',
      'parallel_agent_completed',
      'parallel_agent_failed',
      'for_each_started',
      'for_each_item_started',
      'for_each_item_completed',
      'for_each_item_failed',
      'for_each_completed',
    ]) {
      expect(EVENT_TYPES).toContain(type);
    }
  });

  it('accepts extra fields and rejects a missing required one with its path', () => {
    expect(validateEventData('agent_completed', { agent_name: 'a', output: 1, extra: true })).toEqual({
      ok: true,
    });
    const bad = validateEventData('route_taken', { from_agent: 'a' });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.message).toContain('route_taken.data.to_agent');
  });

  it('lets unknown event types through (newer logs)', () => {
    expect(validateEventData('agent_paused', {})).toEqual({ ok: true });
  });
});
