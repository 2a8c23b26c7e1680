import type { ConductorEvent } from '../envelope.js';
import type { Reducers } from './context.js';
import { combineReducers } from './fold.js';
import { initialRunState, type RunState } from './state.js';

/** Events numbered 1, 2, 3... one second apart from t=1000, as a log would hold them. */
export function eventMaker() {
  let seq = 0;
  return (type: string, data: Record<string, unknown> = {}): ConductorEvent => {
    seq += 1;
    return { seq, type, timestamp: 1000 + seq, data };
  };
}

/** Folds events through the given concerns only (one concern, tested alone). */
export function foldWith(
  concerns: Reducers[],
  events: ConductorEvent[],
  state: RunState = initialRunState(),
) {
  const fold = combineReducers(concerns);
  return events.reduce(fold, state);
}
