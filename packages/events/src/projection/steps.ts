// The steps concern: each step's status and attempts (a loop iteration, a retry after a resume), with
// their timing, output head, prompt head, tokens and error.
import { olderAttempt, outputFields, TEXT_CHARS_KEPT } from '../bounded.js';
import { EVENT_KINDS } from '../kinds.js';
import { cutString, scriptOutputOf } from '../outputs.js';
import type { EventOf } from '../vocabulary.js';
import {
  blankAttempt,
  errorOf,
  type FoldContext,
  finishAttempt,
  isInFlight,
  newStep,
  type Reducers,
  stepKeyOf,
  updateAttempt,
  updateAttemptOf,
  updateStep,
} from './context.js';
import { MAX_ATTEMPTS_KEPT, type RunState } from './state.js';
import { attemptUsage, hasUsage } from './usage.js';

/** The events that start a step's attempt. */
export type StepStartType =
  | 'agent_started'
  | 'script_started'
  | 'set_started'
  | 'wait_started'
  | 'subworkflow_started';

/**
 * Whether a step-start event continues the attempt under way instead of starting one: the original
 * emits agent_started then script_started for a script, which is one attempt, not two.
 */
export function continuesAttempt(state: RunState, event: EventOf<StepStartType>, ctx: FoldContext): boolean {
  const existing = state.steps[stepKeyOf(event.data.agent_name, ctx.path)];
  const latest = existing?.attempts[existing.attempts.length - 1];
  return (
    event.type !== 'agent_started' &&
    latest?.status === 'running' &&
    latest.generation === state.run.generation
  );
}

function startStep(state: RunState, event: EventOf<StepStartType>, ctx: FoldContext): RunState {
  const name = event.data.agent_name;
  const type =
    (event.type === 'agent_started' ? event.data.agent_type : undefined) ?? EVENT_KINDS[event.type].stepType;
  if (continuesAttempt(state, event, ctx))
    return updateAttempt(state, ctx, event, name, () => ({}), 'running');
  return updateStep(
    state,
    ctx,
    name,
    (step) => {
      const number = step.attempt_count + 1;
      const iteration = event.data.iteration ?? null;
      const attempt = blankAttempt(number, state.run.generation, iteration, event, ctx.synthetic);
      const previous = step.attempts.at(-1);
      const attempts = previous
        ? [...step.attempts.slice(0, -1), olderAttempt(previous), attempt]
        : [attempt];
      return {
        ...step,
        type: step.type ?? type,
        status: 'running',
        attempt_count: number,
        attempts: attempts.length > MAX_ATTEMPTS_KEPT ? attempts.slice(-MAX_ATTEMPTS_KEPT) : attempts,
      };
    },
    type,
  );
}

function failStep(
  state: RunState,
  event: EventOf<'script_failed' | 'set_failed' | 'subworkflow_failed'>,
  ctx: FoldContext,
): RunState {
  return finishAttempt(state, ctx, event, 'failed', event.data.elapsed, () => ({
    error: errorOf(event.data),
  }));
}

export const stepReducers: Reducers = {
  workflow_started(state, event, ctx) {
    if (!ctx.atRoot) return state;
    // Every declared step is shown from the start, as pending.
    const steps = { ...state.steps };
    const order = [...state.step_order];
    for (const agent of event.data.agents) {
      if (!steps[agent.name]) {
        steps[agent.name] = newStep(agent.name, [], agent.type ?? null);
        order.push(agent.name);
      }
    }
    return { ...state, steps, step_order: order };
  },
  workflow_completed(state, _event, ctx) {
    if (!ctx.atRoot) return state;
    // Never reached.
    const steps = { ...state.steps };
    for (const [key, step] of Object.entries(steps)) {
      if (step.status === 'pending') steps[key] = { ...step, status: 'skipped' };
    }
    return { ...state, steps };
  },
  workflow_failed(state, event, ctx) {
    if (!ctx.atRoot) return state;
    // An attempt that was running when the run ended did not finish: it failed (or was interrupted) there.
    const steps = { ...state.steps };
    for (const [key, step] of Object.entries(steps)) {
      if (step.status !== 'running' && step.status !== 'waiting') continue;
      const attempts = step.attempts.map((a, i) =>
        i === step.attempts.length - 1 && (a.status === 'running' || a.status === 'waiting')
          ? {
              ...a,
              status: 'failed' as const,
              finished_at: event.timestamp,
              error: a.error ?? {
                error_type: event.data.error_type ?? null,
                message: event.data.message ?? null,
              },
            }
          : a,
      );
      steps[key] = { ...step, status: 'failed', attempts };
    }
    return { ...state, steps };
  },
  route_taken(state, event, ctx) {
    const { from_agent: from, to_agent: to } = event.data;
    // A step routes only once it completed: still running here means its completion line was lost
    // (damaged and skipped). The attempt did not complete, as resume sees it too (it runs again).
    if (!ctx.atRoot || !from || !to || !isInFlight(state.steps[from])) return state;
    return updateAttemptOf(state, from, event, {
      status: 'failed',
      finished_at: event.timestamp,
      error: {
        error_type: 'EndNotRecorded',
        message:
          'the log holds no end of this attempt (a damaged or lost line), though the run went on past it',
      },
    });
  },

  agent_started: startStep,
  script_started: startStep,
  set_started: startStep,
  // A wait says how long it waits: the dashboard counts down to its end.
  wait_started: (state, event, ctx) =>
    updateAttempt(
      startStep(state, event, ctx),
      ctx,
      event,
      event.data.agent_name,
      () => ({ wait_until: event.timestamp + event.data.duration_seconds }),
      'running',
    ),
  subworkflow_started: startStep,

  agent_prompt_rendered: (state, event, ctx) =>
    updateAttempt(state, ctx, event, event.data.agent_name, () => {
      const prompt = event.data.rendered_prompt;
      return prompt.length > TEXT_CHARS_KEPT
        ? { prompt: cutString(prompt, TEXT_CHARS_KEPT), prompt_truncated: true }
        : { prompt };
    }),
  // agent_message and agent_reasoning have no reducer: streamed text is most of a long log and changes no
  // step state (the activity stream shows it), which keeps folding a million-event history fast.
  agent_tool_start: (state, event, ctx) =>
    updateAttempt(state, ctx, event, event.data.agent_name, (a) => ({ tool_calls: a.tool_calls + 1 })),
  agent_retry: (state, event, ctx) =>
    updateAttempt(state, ctx, event, event.data.agent_name, (a) => ({ retries: a.retries + 1 })),

  agent_completed: (state, event, ctx) =>
    finishAttempt(state, ctx, event, 'completed', event.data.elapsed, () => ({
      ...outputFields(event.data.output, event.data),
      ...attemptUsage(event.data),
      error: null,
    })),
  subworkflow_completed: (state, event, ctx) =>
    finishAttempt(state, ctx, event, 'completed', event.data.elapsed, () => ({
      ...outputFields(event.data.output, event.data),
      model: null,
      tokens: null,
      input_tokens: null,
      output_tokens: null,
      cost_usd: null,
      error: null,
    })),
  script_completed: (state, event, ctx) =>
    finishAttempt(state, ctx, event, 'completed', event.data.elapsed, (a) => {
      const { data } = event;
      return data.output === undefined && data.stdout === undefined && data.exit_code === undefined
        ? { output: a.output }
        : outputFields(scriptOutputOf(data), data);
    }),
  set_completed: (state, event, ctx) =>
    finishAttempt(state, ctx, event, 'completed', event.data.elapsed, (a) =>
      'output' in event.data
        ? outputFields(event.data.output, event.data)
        : { output: a.output ?? event.data.value_repr },
    ),
  wait_completed(state, event, ctx) {
    const { interrupted, waited_seconds } = event.data;
    return finishAttempt(state, ctx, event, interrupted ? 'failed' : 'completed', waited_seconds, () => ({
      output: { waited_seconds },
      error: interrupted ? { error_type: 'Interrupted', message: 'wait interrupted' } : null,
    }));
  },
  agent_failed: (state, event, ctx) =>
    finishAttempt(state, ctx, event, 'failed', event.data.elapsed, () => ({
      ...(hasUsage(event.data) ? attemptUsage(event.data) : {}),
      error: errorOf(event.data),
    })),
  // A script that ran and failed (a failing exit code, a timeout) keeps what it wrote: its stderr and
  // exit code are what a person reads first.
  script_failed: (state, event, ctx) => {
    const { data } = event;
    if (data.stdout === undefined && data.stderr === undefined && data.exit_code === undefined)
      return failStep(state, event, ctx);
    return finishAttempt(state, ctx, event, 'failed', event.data.elapsed, () => ({
      error: errorOf(event.data),
      ...outputFields(scriptOutputOf(data), data),
    }));
  },
  set_failed: failStep,
  subworkflow_failed: failStep,

  gate_presented: (state, event, ctx) =>
    updateAttempt(state, ctx, event, event.data.agent_name, () => ({}), 'waiting'),
  gate_resolved: (state, event, ctx) =>
    finishAttempt(state, ctx, event, 'completed', event.data.elapsed, () =>
      outputFields(
        event.data.output ?? {
          selected: event.data.selected_option,
          route: event.data.route,
          additional_input: event.data.additional_input,
        },
        event.data,
      ),
    ),
};
