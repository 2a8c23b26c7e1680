import type { RunState } from '@conductor/events';
import type { InfoBody } from '../../src/protocol';

/**
 * The run as the log tells it, corrected by who owns it: a log that says "running" while no process
 * runs it is a run cut off (its process crashed or was killed), shown as stalled, not as running.
 */
export function isStalled(state: RunState, info: InfoBody): boolean {
  return info.mode === 'live' && state.run.status === 'running' && info.ownership?.owner === 'none';
}

/** Whether the run's clock runs: the log says running and some process (or nobody we know of) runs it. */
export function isTicking(state: RunState, info: InfoBody): boolean {
  return info.mode === 'live' && state.run.status === 'running' && !isStalled(state, info);
}
