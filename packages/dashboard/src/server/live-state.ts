import { performance } from 'node:perf_hooks';
import { type ConductorEvent, initialRunState, projectEvents, type RunState } from '@conductor/events';

/** Events folded per turn of the event loop when the fold catches up on its own. */
const FOLD_TURN_MS = 5;
/** Events folded together: `projectEvents` counts a run of streamed text with one copy of the state. */
const BATCH = 256;
/** Events that may wait before `apply` folds them (bounded memory, a cheap `current`). */
const MAX_WAITING = 1024;

/**
 * The dashboard's projection of the run (`/api/state`). Events wait in order and are folded in
 * batches (`projectEvents`: one copy of the state per run of streamed text, not one per event). While
 * the hub drains a backlog to its sockets (`defer`) they wait until the backlog is gone, so every client
 * gets its frames first, and are then folded in slices of a few milliseconds. A reader (`current`)
 * always gets the fold of every event applied or deferred so far.
 */
export function createLiveState() {
  let state = initialRunState();
  let waiting: ConductorEvent[] = [];
  let deferring = false;
  let scheduled = false;

  function foldAll(): RunState {
    if (waiting.length > 0) {
      const events = waiting;
      waiting = [];
      state = projectEvents(events, state);
    }
    return state;
  }

  function foldSome(): void {
    scheduled = false;
    const until = performance.now() + FOLD_TURN_MS;
    let i = 0;
    while (i < waiting.length && performance.now() < until) {
      state = projectEvents(waiting.slice(i, i + BATCH), state);
      i += BATCH;
    }
    waiting = i >= waiting.length ? [] : waiting.slice(i);
    if (waiting.length > 0) later();
    else deferring = false;
  }

  function later(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(foldSome);
  }

  return {
    /** Folds `event` (with those waiting, a batch at a time). */
    apply(event: ConductorEvent): void {
      waiting.push(event);
      if (!deferring && waiting.length >= MAX_WAITING) foldAll();
    },
    /** Folds `event` later: after what waits, when `idle()` says so or the state is read. */
    defer(event: ConductorEvent): void {
      deferring = true;
      waiting.push(event);
    },
    /** Nothing is being drained now: fold what waits, a few milliseconds per turn. */
    idle(): void {
      if (waiting.length > 0) later();
      else deferring = false;
    },
    /** The fold of every event applied or deferred so far. */
    current(): RunState {
      deferring = false;
      return foldAll();
    },
  };
}
