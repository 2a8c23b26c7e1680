import { performance } from 'node:perf_hooks';
import { applyEvent, type ConductorEvent, initialRunState, type RunState } from '@conductor/events';

/** Events folded per turn of the event loop when the fold catches up on its own. */
const FOLD_TURN_MS = 5;

/**
 * The dashboard's projection of the run (`/api/state`). Events are folded as they come, except while
 * the hub drains a backlog to its sockets (`defer`): then they wait in order, so every client gets its
 * frames first, and are folded once the backlog is gone, in slices of a few milliseconds, or at once
 * whenever the state is read. A reader always gets the fold of every event delivered so far.
 */
export function createLiveState() {
  let state = initialRunState();
  let waiting: ConductorEvent[] = [];
  let scheduled = false;

  function foldAll(): RunState {
    if (waiting.length > 0) {
      const events = waiting;
      waiting = [];
      for (const event of events) state = applyEvent(state, event);
    }
    return state;
  }

  function foldSome(): void {
    scheduled = false;
    const until = performance.now() + FOLD_TURN_MS;
    let i = 0;
    while (i < waiting.length && (i % 64 !== 0 || performance.now() < until)) {
      state = applyEvent(state, waiting[i] as ConductorEvent);
      i++;
    }
    waiting = i === waiting.length ? [] : waiting.slice(i);
    if (waiting.length > 0) later();
  }

  function later(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(foldSome);
  }

  return {
    /** Folds `event` now. */
    apply(event: ConductorEvent): void {
      if (waiting.length > 0) waiting.push(event);
      else state = applyEvent(state, event);
    },
    /** Folds `event` later: after what waits, when `idle()` says so or the state is read. */
    defer(event: ConductorEvent): void {
      waiting.push(event);
    },
    /** Nothing is being drained now: fold what waits, a few milliseconds per turn. */
    idle(): void {
      if (waiting.length > 0) later();
    },
    /** The fold of every event applied or deferred so far. */
    current: foldAll,
  };
}
