import { describe, expect, it } from 'vitest';
import { applyEvent, projectEvents } from '../projection.js';
import { eventMaker } from './test-helpers.js';

describe('the projection’s dispatcher', () => {
  it('counts every event, but interprets only those whose data fits their type', () => {
    const ev = eventMaker();
    const before = projectEvents([
      ev('workflow_started', { name: 'w', entry_point: 'a', agents: [{ name: 'a' }] }),
      ev('agent_started', { agent_name: 'a' }),
    ]);
    const after = projectEvents(
      [
        // A newer conductor's event, and known ones whose data does not fit: history nobody interprets.
        ev('agent_paused', { agent_name: 'a' }),
        ev('agent_completed', { agent_name: 'a', tokens: 'many' }),
        ev('agent_failed', { agent_name: '' }),
        ev('route_taken', { from_agent: 'a' }),
      ],
      before,
    );
    expect(after.steps).toEqual(before.steps);
    expect(after.routes_taken).toEqual({});
    expect([after.event_count, after.last_seq, after.last_event_at]).toEqual([6, 6, 1006]);
  });

  it('marks synthetic history from any event, even one it does not interpret', () => {
    const ev = eventMaker();
    const state = applyEvent(
      projectEvents([]),
      ev('agent_message', { agent_name: 'a', content: 'x', synthetic: true }),
    );
    expect(state.run.has_synthetic_history).toBe(true);
    expect(state.steps).toEqual({});
  });
});
