// What the projection's reducers share: the shape of a reducer, the context an event is folded in,
// and the few state updates more than one concern makes. Every function here is pure.
import { TEXT_CHARS_KEPT, withOutput } from '../bounded.js';
import type { ConductorEvent } from '../envelope.js';
import { cutString } from '../outputs.js';
import type { EventOf, EventType } from '../vocabulary.js';
import {
  type Attempt,
  emptyUsage,
  type GroupState,
  type ItemState,
  MAX_ITEMS_KEPT,
  type PendingGate,
  type RunState,
  type StepError,
  type StepState,
  type StepStatus,
} from './state.js';

/** Where an event stands, worked out once by the dispatcher and handed to every reducer. */
export interface FoldContext {
  /** The state before this event's reducers ran (the event already counted in `last_seq` etc.). */
  readonly before: RunState;
  /** Parent step names of a sub-workflow's event; empty at the root. */
  readonly path: string[];
  readonly atRoot: boolean;
  /** The event was synthesized from a checkpoint. */
  readonly synthetic: boolean;
  /** When the event before this one happened (`last_event_at` before it), or null for the first. */
  readonly previousEventAt: number | null;
}

/** Folds one event of type `K` into the state; returns the next state, never changing the one given. */
export type Reducer<K extends EventType> = (state: RunState, event: EventOf<K>, ctx: FoldContext) => RunState;

/** One concern's reducers, by event type. Every event reaching one has been checked against its schema. */
export type Reducers = { readonly [K in EventType]?: Reducer<K> };

/** The event types that end a step's attempt. */
export type FinishingType =
  | 'agent_completed'
  | 'agent_failed'
  | 'script_completed'
  | 'script_failed'
  | 'set_completed'
  | 'set_failed'
  | 'wait_completed'
  | 'gate_resolved'
  | 'subworkflow_completed'
  | 'subworkflow_failed';

export function stepKeyOf(name: string, path: readonly string[]): string {
  return path.length === 0 ? name : `${path.join('/')}/${name}`;
}

export function newStep(name: string, path: string[], type: string | null): StepState {
  return {
    key: stepKeyOf(name, path),
    name,
    type,
    subworkflow_path: path,
    status: 'pending',
    attempt_count: 0,
    attempts: [],
    usage: emptyUsage(),
  };
}

export function blankAttempt(
  number: number,
  generation: number,
  iteration: number | null,
  event: ConductorEvent,
  synthetic: boolean,
): Attempt {
  return {
    number,
    generation,
    iteration,
    status: 'running',
    started_at: event.timestamp,
    finished_at: null,
    elapsed: null,
    prompt: null,
    model: null,
    tokens: null,
    input_tokens: null,
    output_tokens: null,
    cache_read_tokens: null,
    cache_write_tokens: null,
    cost_usd: null,
    error: null,
    retries: 0,
    tool_calls: 0,
    synthetic,
    first_seq: event.seq,
    last_seq: event.seq,
  };
}

/** A failure as the state keeps it: the message bounded. */
export function errorOf(data: { error_type?: string; message?: string }): StepError {
  return {
    error_type: data.error_type ?? null,
    message: data.message === undefined ? null : cutString(data.message, TEXT_CHARS_KEPT),
  };
}

/** Replaces (or creates, as `type`) the step `name` at the event's depth. */
export function updateStep(
  state: RunState,
  ctx: FoldContext,
  name: string,
  fn: (step: StepState) => StepState,
  type: string | null = null,
): RunState {
  const key = stepKeyOf(name, ctx.path);
  const current = state.steps[key] ?? newStep(name, ctx.path, type);
  return {
    ...state,
    steps: { ...state.steps, [key]: fn(current) },
    step_order: state.steps[key] ? state.step_order : [...state.step_order, key],
  };
}

/** Changes the step's latest attempt (starting one if the log has none, e.g. a partial log). */
export function updateAttempt(
  state: RunState,
  ctx: FoldContext,
  event: ConductorEvent,
  name: string,
  fn: (attempt: Attempt) => Partial<Attempt>,
  status?: StepStatus,
): RunState {
  return updateStep(state, ctx, name, (step) => {
    let attempts = step.attempts;
    let count = step.attempt_count;
    if (attempts.length === 0) {
      count += 1;
      attempts = [blankAttempt(count, state.run.generation, null, event, ctx.synthetic)];
    }
    const last = attempts[attempts.length - 1] as Attempt;
    const patch = fn(last);
    const changed: Attempt = {
      ...('output' in patch ? withOutput(last, {}) : last),
      ...patch,
      last_seq: event.seq,
    };
    if (status) changed.status = status;
    if (ctx.synthetic) changed.synthetic = true;
    return {
      ...step,
      attempt_count: count,
      attempts: [...attempts.slice(0, -1), changed],
      status: status ?? step.status,
    };
  });
}

/**
 * Ends the step's latest attempt as `status`, at the event: `elapsed` as the event says, else measured
 * (not for a synthetic event, whose times are not known).
 */
export function finishAttempt(
  state: RunState,
  ctx: FoldContext,
  event: EventOf<FinishingType>,
  status: StepStatus,
  elapsed: number | undefined,
  extra: (attempt: Attempt) => Partial<Attempt> = () => ({}),
): RunState {
  return updateAttempt(
    state,
    ctx,
    event,
    event.data.agent_name,
    (a) => ({
      finished_at: event.timestamp,
      // A synthetic event's times are made up (spaced 1 ms apart) unless it says how long the step took.
      elapsed: elapsed ?? (a.started_at === null || ctx.synthetic ? null : event.timestamp - a.started_at),
      ...extra(a),
    }),
    status,
  );
}

/** Sets fields of a step's latest attempt (and the step's status) as of `event`; a step never started stays as it is. */
export function updateAttemptOf(
  state: RunState,
  key: string,
  event: ConductorEvent,
  fields: Partial<Attempt> & { status: StepStatus },
): RunState {
  const step = state.steps[key];
  const last = step?.attempts.at(-1);
  if (!step || !last) return state;
  const changed: Attempt = { ...last, ...fields, last_seq: event.seq };
  return {
    ...state,
    steps: {
      ...state.steps,
      [key]: { ...step, status: fields.status, attempts: [...step.attempts.slice(0, -1), changed] },
    },
  };
}

/** Whether the step's latest attempt is under way (running, or waiting for an answer). */
export function isInFlight(step: StepState | undefined): boolean {
  const latest = step?.attempts.at(-1);
  return latest?.status === 'running' || latest?.status === 'waiting';
}

/** Sets the pending gates; `gate` is the one waiting longest. */
export function withGates(state: RunState, gates: Record<string, PendingGate>): RunState {
  let oldest: PendingGate | null = null;
  for (const gate of Object.values(gates)) if (!oldest || gate.seq < oldest.seq) oldest = gate;
  return { ...state, gates, gate: oldest };
}

/** Changes the group `name` at the event's depth, if it started. */
export function updateGroup(
  state: RunState,
  ctx: FoldContext,
  name: string,
  fn: (group: GroupState) => Partial<GroupState>,
): RunState {
  const key = stepKeyOf(name, ctx.path);
  const group = state.groups[key];
  if (!group) return state;
  return { ...state, groups: { ...state.groups, [key]: { ...group, ...fn(group) } } };
}

/** Replaces the item's entry (or appends it), keeping the newest MAX_ITEMS_KEPT. */
export function keepRecent(items: ItemState[], item: ItemState): ItemState[] {
  const next = [...items.filter((existing) => existing.index !== item.index), item];
  return next.length > MAX_ITEMS_KEPT ? next.slice(-MAX_ITEMS_KEPT) : next;
}
