import { describe, expect, it } from 'vitest';
import { type ExecutorState, snapshotState } from './state.js';

describe('snapshotState', () => {
  const state = (): ExecutorState => ({
    currentStep: 'b',
    iteration: 2,
    stepOutputs: { a: { list: [1, { deep: true }] } },
    history: [
      { step: 'a', iteration: 1, status: 'completed' },
      { step: 'b', iteration: 2, status: 'failed' },
    ],
    lastOutputStep: 'a',
    startedAt: 100,
    awaitingRoute: true,
    groups: { g: { completed: { '0': { x: 1 } }, item_count: 3 } },
  });

  it('is equal to the state and shares nothing with it', () => {
    const live = state();
    const copy = snapshotState(live);
    expect(copy).toEqual(state());
    (copy.stepOutputs.a as { list: unknown[] }).list.push(2);
    (copy.history[0] as { status: string }).status = 'failed';
    copy.history.push({ step: 'c', iteration: 3, status: 'completed' });
    const group = copy.groups?.g as { completed: Record<string, unknown> };
    group.completed['1'] = {};
    expect(live).toEqual(state());
  });

  it('leaves groups out when the state has none', () => {
    const { groups: _none, ...withoutGroups } = state();
    expect('groups' in snapshotState(withoutGroups)).toBe(false);
  });
});
