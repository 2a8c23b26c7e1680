// The sub-workflows concern: each sub-workflow that started, by its parent path, with its own graph and
// status. Its steps are the steps concern's (keyed `parent/step`); the root run is the run concern's.
import type { Reducers } from './context.js';
import { graphOf } from './run.js';
import type { RunState, RunStatus, SubworkflowState } from './state.js';

function finished(state: RunState, path: string[], status: RunStatus, at: number): RunState {
  const key = path.join('/');
  const sub = state.subworkflows[key];
  if (!sub) return state;
  return { ...state, subworkflows: { ...state.subworkflows, [key]: { ...sub, status, finished_at: at } } };
}

export const subworkflowReducers: Reducers = {
  workflow_started(state, event, ctx) {
    if (ctx.atRoot) return state;
    const sub: SubworkflowState = {
      path: ctx.path,
      graph: graphOf(event.data),
      status: 'running',
      started_at: event.timestamp,
      finished_at: null,
    };
    return { ...state, subworkflows: { ...state.subworkflows, [ctx.path.join('/')]: sub } };
  },
  workflow_completed: (state, event, ctx) =>
    ctx.atRoot
      ? state
      : finished(state, ctx.path, event.data.status === 'failed' ? 'failed' : 'completed', event.timestamp),
  workflow_failed: (state, event, ctx) =>
    ctx.atRoot ? state : finished(state, ctx.path, 'failed', event.timestamp),
};
