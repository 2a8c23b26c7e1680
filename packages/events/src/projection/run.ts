// The run concern: the root run's status, generation, timing, output and error, its graph, its resumes,
// the routes taken, the step it is at, and its usage totals (summed by the usage concern's addRunUsage).
import { boundInputs, runOutput } from '../bounded.js';
import type { EventData, EventOf } from '../vocabulary.js';
import { errorOf, type FoldContext, type Reducers } from './context.js';
import type { ResumeMark, RunState, WorkflowGraph } from './state.js';
import type { StepStartType } from './steps.js';
import { addRunUsage } from './usage.js';

/** The workflow graph a `workflow_started` describes (the root's, or a sub-workflow's). */
export function graphOf(data: EventData<'workflow_started'>): WorkflowGraph {
  return {
    name: data.name,
    version: data.version ?? null,
    entry_point: data.entry_point,
    agents: data.agents,
    routes: data.routes ?? [],
    parallel_groups: data.parallel_groups ?? [],
    for_each_groups: data.for_each_groups ?? [],
  };
}

/** At the root, the run is at the step (or group) that just started. */
function atStep(state: RunState, step: string, ctx: FoldContext): RunState {
  return ctx.atRoot ? { ...state, run: { ...state.run, current_step: step } } : state;
}

const stepStarted = (state: RunState, event: EventOf<StepStartType>, ctx: FoldContext) =>
  atStep(state, event.data.group_name ?? event.data.agent_name, ctx);

export const runReducers: Reducers = {
  workflow_started(state, event, ctx) {
    if (!ctx.atRoot) return state;
    const graph = graphOf(event.data);
    return {
      ...state,
      graph,
      run: {
        ...state.run,
        run_id: event.data.run_id ?? state.run.run_id,
        name: graph.name,
        status: 'running',
        // A log may hold a second workflow_started (e.g. a restarted original run): keep the first.
        started_at: state.run.started_at ?? event.timestamp,
        finished_at: null,
        inputs: boundInputs(event.data.inputs),
      },
    };
  },
  workflow_resumed(state, event, ctx) {
    if (!ctx.atRoot) return state;
    const { data } = event;
    const mark: ResumeMark = {
      generation: data.generation,
      seq: event.seq,
      at: event.timestamp,
      stopped_at: ctx.previousEventAt,
      checkpoint_path: data.checkpoint_path ?? null,
      checkpoint_created_at: data.checkpoint_created_at ?? null,
      resumed_at_step: data.resumed_at_step,
      history_source: data.history_source,
    };
    return {
      ...state,
      resumes: [...state.resumes, mark],
      run: {
        ...state.run,
        run_id: data.run_id,
        status: 'running',
        generation: data.generation,
        started_at: state.run.started_at ?? event.timestamp,
        finished_at: null,
        error: null,
        checkpoint_unavailable_reason: null,
        has_synthetic_history: state.run.has_synthetic_history || mark.history_source === 'synthetic',
      },
    };
  },
  workflow_completed(state, event, ctx) {
    if (!ctx.atRoot) return state;
    const { data } = event;
    // A terminate step may end the run as failed.
    const failed = data.status === 'failed';
    return {
      ...state,
      run: {
        ...state.run,
        status: failed ? 'failed' : 'completed',
        finished_at: event.timestamp,
        current_step: null,
        ...runOutput(data.output),
        error: failed
          ? {
              error_type: 'Terminated',
              message: data.termination_reason ?? null,
              agent_name: data.terminated_by ?? null,
              stopped_by_user: false,
            }
          : null,
      },
    };
  },
  workflow_failed(state, event, ctx) {
    if (!ctx.atRoot) return state;
    const { data } = event;
    const stopped = data.stopped_by_user === true || data.error_type === 'Interrupted';
    return {
      ...state,
      run: {
        ...state.run,
        status: stopped ? 'interrupted' : 'failed',
        finished_at: event.timestamp,
        current_step: null,
        checkpoint_unavailable_reason: data.checkpoint_unavailable_reason ?? null,
        error: { ...errorOf(data), agent_name: data.agent_name ?? null, stopped_by_user: stopped },
        checkpoint_path: data.checkpoint_path ?? state.run.checkpoint_path,
      },
    };
  },
  route_taken(state, event, ctx) {
    const { from_agent: from, to_agent: to } = event.data;
    if (!ctx.atRoot || !from || !to) return state;
    const key = `${from}->${to}`;
    const previous = state.routes_taken[key];
    return {
      ...state,
      routes_taken: {
        ...state.routes_taken,
        [key]: { from, to, count: (previous?.count ?? 0) + 1, last_seq: event.seq },
      },
    };
  },
  checkpoint_saved: (state, event, ctx) =>
    ctx.atRoot ? { ...state, run: { ...state.run, checkpoint_path: event.data.path } } : state,

  agent_started: stepStarted,
  script_started: stepStarted,
  set_started: stepStarted,
  wait_started: stepStarted,
  subworkflow_started: stepStarted,
  parallel_started: (state, event, ctx) => atStep(state, event.data.group_name, ctx),
  for_each_started: (state, event, ctx) => atStep(state, event.data.group_name, ctx),

  agent_completed: (state, event) => addRunUsage(state, event.data),
  agent_failed: (state, event) => addRunUsage(state, event.data),
};
