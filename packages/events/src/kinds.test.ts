import { describe, expect, it } from 'vitest';
import { EVENT_KINDS, eventKindOf, type StepType, stepEventType } from './kinds.js';
import { EVENT_TYPES, EventDataSchemas } from './vocabulary.js';

describe('the event kinds table', () => {
  it('has a row for every event type of the vocabulary, and none for another', () => {
    expect(Object.keys(EVENT_KINDS).sort()).toEqual([...EVENT_TYPES].sort());
    expect(eventKindOf('agent_paused')).toBeUndefined();
    expect(eventKindOf('toString')).toBeUndefined();
  });

  it('gives each step type its start and end events', () => {
    const types: StepType[] = [
      'agent',
      'script',
      'set',
      'wait',
      'human_gate',
      'workflow',
      'parallel',
      'for_each',
    ];
    expect(
      types.map((type) => [type, stepEventType(type, 'started'), stepEventType(type, 'completed')]),
    ).toEqual([
      ['agent', 'agent_started', 'agent_completed'],
      ['script', 'script_started', 'script_completed'],
      ['set', 'set_started', 'set_completed'],
      ['wait', 'wait_started', 'wait_completed'],
      ['human_gate', 'gate_presented', 'gate_resolved'],
      ['workflow', 'subworkflow_started', 'subworkflow_completed'],
      ['parallel', 'parallel_started', 'parallel_completed'],
      ['for_each', 'for_each_started', 'for_each_completed'],
    ]);
    expect(types.map((type) => stepEventType(type, 'failed') ?? null)).toEqual([
      'agent_failed',
      'script_failed',
      'set_failed',
      null,
      null,
      'subworkflow_failed',
      null,
      null,
    ]);
  });

  it('names the field its schema requires for every event that names a step or group', () => {
    for (const [type, kind] of Object.entries(EVENT_KINDS)) {
      if (kind.nameField === null) continue;
      const entries = EventDataSchemas[type as keyof typeof EventDataSchemas].entries as Record<
        string,
        { type: string }
      >;
      expect([type, entries[kind.nameField]?.type]).toEqual([type, 'string']);
    }
  });
});
