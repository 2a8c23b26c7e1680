import type { ConductorEvent } from './envelope.js';
import { dialogReducers } from './projection/dialogs.js';
import { combineReducers, foldEvents } from './projection/fold.js';
import { gateReducers } from './projection/gates.js';
import { groupReducers } from './projection/groups.js';
import { runReducers } from './projection/run.js';
import { initialRunState, type ResumeMark, type RunState } from './projection/state.js';
import { stepReducers } from './projection/steps.js';
import { subworkflowReducers } from './projection/subworkflows.js';
import { toolReducers } from './projection/tools.js';
import { usageReducers } from './projection/usage.js';

/**
 * The projection: a pure fold of events into the state a person wants to see. The dashboard server
 * uses it for `/api/state`, the web UI for live updates; nothing else interprets events for display.
 *
 * It is made of reducers by concern (projection/*.ts): the run, its steps, its groups, its gates, its
 * dialogs and its sub-workflows. Each reads the typed events of the types it cares about; the dispatcher
 * (projection/fold.ts) checks an event's data against its schema before any reducer reads it.
 */

export type {
  Attempt,
  BudgetExceeded,
  DialogMessageRecord,
  GroupState,
  ItemState,
  PendingDialog,
  PendingGate,
  ResumeMark,
  RouteTaken,
  RunInfo,
  RunState,
  RunStatus,
  RunTotals,
  StepError,
  StepState,
  StepStatus,
  SubworkflowState,
  ToolCallRecord,
  UsageTotals,
  WorkflowGraph,
} from './projection/state.js';
export {
  emptyUsage,
  initialRunState,
  MAX_ATTEMPTS_KEPT,
  MAX_DIALOG_MESSAGES_KEPT,
  MAX_ITEMS_KEPT,
  MAX_TOOL_CALLS_KEPT,
} from './projection/state.js';

const fold = combineReducers([
  subworkflowReducers,
  runReducers,
  stepReducers,
  toolReducers,
  groupReducers,
  usageReducers,
  gateReducers,
  dialogReducers,
]);

/**
 * Applies one event and returns the next state. The input state is never modified; unchanged parts
 * are shared with it.
 */
export const applyEvent: (state: RunState, event: ConductorEvent) => RunState = fold;

/**
 * Folds many events; `projectEvents(events)` is the state after all of them. The same state as
 * `applyEvent` on each in turn, for less: streamed text is counted a run at a time.
 */
export function projectEvents(
  events: Iterable<ConductorEvent>,
  state: RunState = initialRunState(),
): RunState {
  return foldEvents(fold, state, events);
}

/** A time the run was down: from a generation's end (failure, stop, kill) to the resume that followed. */
export interface Downtime {
  from: number;
  to: number;
  /** The generation the resume started. */
  generation: number;
}

/** A run's times: wall (first start to end, or `now`), active (wall less the downtimes), the downtimes. */
export interface RunTimes {
  wall: number;
  active: number;
  downtimes: Downtime[];
}

/**
 * The run's wall and active times up to `now` (or its end): what the header, the activity's
 * "Completed" row and the timeline say. Null before the run started.
 */
export function runTimes(state: RunState, now: number): RunTimes | null {
  const start = state.run.started_at;
  if (start === null) return null;
  return timesBetween(start, state.run.finished_at ?? now, state.resumes);
}

/**
 * The times of a run that first started at `start`, up to `end`: each resume whose run had stopped
 * (`stopped_at`) by then is a downtime, from the stop to the resume, left out of the active time.
 */
export function timesBetween(start: number, end: number, resumes: readonly ResumeMark[]): RunTimes {
  const downtimes: Downtime[] = [];
  for (const mark of resumes) {
    if (mark.stopped_at === null || mark.at > end) continue;
    const from = Math.max(start, mark.stopped_at);
    if (mark.at > from) downtimes.push({ from, to: mark.at, generation: mark.generation });
  }
  const wall = Math.max(0, end - start);
  const down = downtimes.reduce((sum, d) => sum + (d.to - d.from), 0);
  return { wall, active: Math.max(0, wall - down), downtimes };
}

/** Whole seconds the run has been going: from its very first start, across resumes. */
export function runElapsedSeconds(state: RunState, now: number): number | null {
  if (state.run.started_at === null) return null;
  const end = state.run.finished_at ?? now;
  return Math.max(0, end - state.run.started_at);
}
