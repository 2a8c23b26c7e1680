// The projection's dispatcher: it counts every event, checks the data of each event some reducer
// reads, works out where the event stands, and hands it to each concern's reducer in turn.
import type { ConductorEvent } from '../envelope.js';
import { EVENT_KINDS } from '../kinds.js';
import { type EventData, type EventType, fitsEventData, type KnownEvent } from '../vocabulary.js';
import type { FoldContext, Reducer, Reducers } from './context.js';
import { isItemStepEvent, itemStep } from './groups.js';
import type { RunState } from './state.js';
import { addItemUsage } from './usage.js';

/** A fold of one event into the state, as `applyEvent` is. */
export type Fold = (state: RunState, event: ConductorEvent) => RunState;

/** A fold that also says which event types some reducer reads (the others are only counted). */
export type CombinedFold = Fold & { readonly reads: (type: string) => boolean };

/**
 * One fold over several concerns' reducers, applied in the order given. Whatever the event, it is
 * counted (`last_seq`, `event_count`, `last_event_at`, synthetic history). Beyond that, only an event
 * some reducer handles is read, and only when its data fits its type's schema: an event of an unknown
 * type, or one whose data does not fit, is history nobody can interpret. So is an event that names no
 * step or group where its kind says it should (an empty `agent_name`).
 */
export function combineReducers(concerns: readonly Reducers[]): CombinedFold {
  const byType = new Map<string, Array<Reducer<EventType>>>();
  for (const concern of concerns) {
    for (const [type, reduce] of Object.entries(concern) as Array<[EventType, Reducer<EventType>]>) {
      byType.set(type, [...(byType.get(type) ?? []), reduce]);
    }
  }

  const fold: Fold = (state, event) => {
    const data = event.data ?? {};
    const synthetic = data.synthetic === true;
    const base: RunState = {
      ...state,
      last_seq: Math.max(state.last_seq, event.seq),
      event_count: state.event_count + 1,
      last_event_at: event.timestamp,
    };
    if (synthetic && !state.run.has_synthetic_history)
      base.run = { ...base.run, has_synthetic_history: true };

    // Streamed text (most of a long log) has no reducer: it is not even checked.
    const reducers = byType.get(event.type);
    if (reducers === undefined) return base;
    const type = event.type as EventType;
    const kind = EVENT_KINDS[type];
    // A for_each item's own step events are its group's, whatever else they say: only their markers
    // are read (as the engine adds them to every event of the item), so a group of many items costs
    // one check per item event, not per step event.
    const path = Array.isArray(data.subworkflow_path) ? (data.subworkflow_path as string[]) : [];
    const ctx: FoldContext = {
      before: base,
      path,
      atRoot: path.length === 0,
      synthetic,
      previousEventAt: state.last_event_at,
    };
    if (isItemStepEvent(data, kind)) {
      const next = itemStep(base, kind, ctx, data.group_name as string);
      // An item's model calls still cost: its usage counts for its group and the run.
      return (type === 'agent_completed' || type === 'agent_failed') && fitsEventData(type, data)
        ? addItemUsage(next, data as EventData<typeof type>, ctx)
        : next;
    }

    if (!fitsEventData(type, data)) return base;
    const known = (event.data === data ? event : { ...event, data }) as KnownEvent;
    if (kind.nameField !== null && !(known.data as Record<string, unknown>)[kind.nameField]) return base;

    let next = base;
    for (const reduce of reducers) next = reduce(next, known as never, ctx);
    return next;
  };
  return Object.assign(fold, { reads: (type: string) => byType.has(type) });
}

/**
 * Folds events in order, with the same result as `fold` applied to each in turn. A run of events no
 * reducer reads (streamed text: most of a long log) is counted with one copy of the state, not one
 * per event: on a long history that copy is most of the fold's cost.
 */
export function foldEvents(fold: CombinedFold, state: RunState, events: Iterable<ConductorEvent>): RunState {
  let next = state;
  let counted = 0;
  let lastSeq = 0;
  let lastAt = 0;
  let synthetic = false;
  const flush = () => {
    if (counted === 0) return;
    next = {
      ...next,
      last_seq: Math.max(next.last_seq, lastSeq),
      event_count: next.event_count + counted,
      last_event_at: lastAt,
    };
    if (synthetic && !next.run.has_synthetic_history) next.run = { ...next.run, has_synthetic_history: true };
    counted = 0;
    lastSeq = 0;
    synthetic = false;
  };
  for (const event of events) {
    if (fold.reads(event.type)) {
      flush();
      next = fold(next, event);
      continue;
    }
    counted += 1;
    if (event.seq > lastSeq) lastSeq = event.seq;
    lastAt = event.timestamp;
    if (event.data?.synthetic === true) synthetic = true;
  }
  flush();
  return next;
}
