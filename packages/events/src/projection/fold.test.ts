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

  it('folds many events to the same state as one at a time, counting streamed text a run at a time', () => {
    const ev = eventMaker();
    const events = [
      ev('workflow_started', { name: 'w', entry_point: 'a', agents: [{ name: 'a' }, { name: 'b' }] }),
      ev('agent_started', { agent_name: 'a' }),
      ev('agent_message', { agent_name: 'a', content: 'x' }),
      ev('agent_reasoning', { agent_name: 'a', content: 'y' }),
      ev('agent_tool_start', { agent_name: 'a', tool_name: 't', arguments: {} }),
      ev('agent_message', { agent_name: 'a', content: 'z' }),
      ev('agent_message', { agent_name: 'a', content: 'w', synthetic: true }),
      ev('agent_paused', { agent_name: 'a' }),
      ev('agent_completed', { agent_name: 'a', tokens: 3, output: { text: 'done' } }),
      ev('agent_started', { agent_name: 'b' }),
      ev('agent_message', { agent_name: 'b', content: 'v' }),
    ];
    // A seq lower than the one before (the projection keeps the highest) and a gap.
    events.push({ seq: 5, type: 'agent_message', timestamp: 2000, data: { agent_name: 'b', content: 'u' } });
    events.push({ seq: 40, type: 'agent_message', timestamp: 2001, data: { agent_name: 'b', content: 't' } });
    const oneAtATime = events.reduce(applyEvent, projectEvents([]));
    expect(projectEvents(events)).toEqual(oneAtATime);
    for (let split = 0; split <= events.length; split++) {
      const state = projectEvents(events.slice(split), projectEvents(events.slice(0, split)));
      expect(state).toEqual(oneAtATime);
    }
    expect([oneAtATime.event_count, oneAtATime.last_seq, oneAtATime.last_event_at]).toEqual([13, 40, 2001]);
    expect(oneAtATime.run.has_synthetic_history).toBe(true);
  });
});
