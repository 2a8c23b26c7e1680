import { type ConductorEvent, projectEvents } from '@conductor/events';
import { describe, expect, it } from 'vitest';
import { RunModel } from './runModel';

function run(): ConductorEvent[] {
  const events: ConductorEvent[] = [];
  const add = (type: string, data: Record<string, unknown>) =>
    events.push({ seq: events.length + 1, type, timestamp: 1000 + events.length, data });
  add('workflow_started', {
    name: 'w',
    entry_point: 'a',
    agents: [{ name: 'a', type: 'agent' }],
    run_id: 'r',
  });
  add('agent_started', { agent_name: 'a', iteration: 1, agent_type: 'agent' });
  for (let i = 0; i < 5; i++) add('agent_message', { agent_name: 'a', content: `part ${i}` });
  add('agent_completed', { agent_name: 'a', elapsed: 1, output: 'done' });
  return events;
}

describe('the first load of a run', () => {
  it('shows the steps from the state before the latest activity arrives, then the activity', () => {
    const events = run();
    const state = projectEvents(events);
    const model = new RunModel();
    model.showState(state, 8);
    expect(model.snapshot.ready).toBe(true);
    expect(model.snapshot.state.steps.a?.status).toBe('completed');
    expect(model.snapshot.activity.rows).toEqual([]);
    model.reset(state, 8, events.slice(-3), true);
    expect(model.snapshot.state).toBe(state);
    expect(model.snapshot.activity.rows.at(-1)?.type).toBe('agent_completed');
    expect(model.snapshot.activity.hasOlder).toBe(true);
  });

  it('folds live events with the one projection, as applying them one at a time would', () => {
    const events = run();
    const model = new RunModel();
    model.reset(projectEvents(events.slice(0, 2)), 2, events.slice(0, 2), false);
    model.apply(events.slice(1)); // seq 2 again: skipped
    expect(model.snapshot.lastSeq).toBe(8);
    expect(model.snapshot.state).toEqual(projectEvents(events));
  });
});
