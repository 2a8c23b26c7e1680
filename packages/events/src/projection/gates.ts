// The gates concern: every human_gate waiting for an answer, at any depth, and the one waiting longest.
import { isInFlight, type Reducers, stepKeyOf, withGates } from './context.js';
import type { RunState } from './state.js';

/** A run that ended or resumed has nothing waiting: a resumed gate is presented again. */
function clearedAtRoot(state: RunState, atRoot: boolean): RunState {
  return atRoot ? { ...state, gates: {}, gate: null } : state;
}

export const gateReducers: Reducers = {
  gate_presented(state, event, ctx) {
    const key = stepKeyOf(event.data.agent_name, ctx.path);
    const pending = {
      step: key,
      path: ctx.path,
      prompt: event.data.prompt,
      options: event.data.options,
      seq: event.seq,
    };
    return withGates(state, { ...state.gates, [key]: pending });
  },
  gate_resolved(state, event, ctx) {
    const { [stepKeyOf(event.data.agent_name, ctx.path)]: _answered, ...rest } = state.gates;
    return withGates(state, rest);
  },
  route_taken(state, event, ctx) {
    const { from_agent: from, to_agent: to } = event.data;
    // The gate's end was lost (see the steps concern): it is no longer waiting.
    if (!ctx.atRoot || !from || !to || !isInFlight(ctx.before.steps[from])) return state;
    const { [from]: _unanswered, ...gates } = state.gates;
    return withGates(state, gates);
  },
  workflow_resumed: (state, _event, ctx) => clearedAtRoot(state, ctx.atRoot),
  workflow_completed: (state, _event, ctx) => clearedAtRoot(state, ctx.atRoot),
  workflow_failed: (state, _event, ctx) => clearedAtRoot(state, ctx.atRoot),
};
