import { type ConductorEvent, type EventPhase, eventKindOf, scriptOutputOf } from '@conductor/events';
import type { ExecutorState } from '../run/state.js';

/** Where a fold starts: a checkpoint's state, and the seq and generation it covers. */
export interface ResumeBase {
  inputs: Record<string, unknown>;
  state: ExecutorState;
  /** Events with `seq <= lastSeq` are already in `state` and are skipped. Default 0. */
  lastSeq?: number;
  /** The run's generation when the base was taken. Default 0. */
  generation?: number;
}

/** What a run's events say about where to continue it. */
export interface ResumeStateFromEvents {
  /**
   * `resumable`: `state` says where to continue. `completed`: the run ended (`workflow_completed`),
   * there is nothing to continue. `empty`: neither a base nor a `workflow_started` was seen.
   */
  status: 'resumable' | 'completed' | 'empty';
  inputs: Record<string, unknown>;
  /**
   * The state to pass to `executeFrom`. `awaitingRoute` is set when the last step completed but its
   * route was not recorded: its routes are evaluated again, it does not run again.
   */
  state: ExecutorState;
  /** The step that started and did not complete (it runs again), or null. */
  inFlight: string | null;
  /** The highest seq folded (or the base's). */
  lastSeq: number;
  /** The highest generation seen (`workflow_resumed.generation`, or the base's). */
  generation: number;
  /** From `workflow_started`, when it was among the events. */
  runId: string | null;
  workflowPath: string | null;
  /** The workflow's `name`, from `workflow_started`. */
  workflowName: string | null;
  /** Events that changed the state (seq > base.lastSeq, root level). */
  folded: number;
  /**
   * Set when the log shows that a step ended (a later step started or completed, or a route was
   * taken) but holds no end for it, such as when its completion line was damaged and skipped. The
   * state is rewound to that step, which runs again; what the log says after it is not used.
   */
  rewound: RewoundStep | null;
}

/** A step whose end is missing from the log: the state continues at it. */
export interface RewoundStep {
  step: string;
  /** The seq of the event that showed the step had ended. */
  seq: number;
  /** That event's type. */
  type: string;
}

/** A group's finished members (by name) or items (by index), as the group executors keep them. */
export interface GroupProgressState {
  completed: Record<string, unknown>;
  item_count?: number;
}

/** Executor state with the progress of unfinished groups (`state.groups`). */
type StateWithGroups = ExecutorState & { groups?: Record<string, GroupProgressState> };

/**
 * What the kinds table says an event does to a step (a gate's and a group's included): it began
 * (`started`: the step to continue at until it completes), completed (each completion carries
 * `output`), or failed; undefined for any other event.
 */
function stepPhase(type: string): EventPhase | undefined {
  const kind = eventKindOf(type);
  return kind?.stepType ? kind.phase : undefined;
}
/** A group's own events, and its members' and items' completions (whose progress is kept). */
function isGroupEvent(type: string): boolean {
  const kind = eventKindOf(type);
  return (
    kind?.subject === 'group' ||
    ((kind?.subject === 'member' || kind?.subject === 'item') && kind.phase === 'completed')
  );
}
const END = '$end';

/**
 * Folds a run's events (oldest first) into the state a resume continues from. Pure: no I/O.
 *
 * - `workflow_started` gives the inputs and the entry point (a fresh state).
 * - A step's completion event (`agent_/script_/set_/wait_/subworkflow_/parallel_/for_each_completed`,
 *   `gate_resolved`; each carries `output`) commits its output and a history entry, and counts one
 *   iteration. A `wait_completed` with `interrupted: true`, or a group completion with
 *   `failed: true`, is not a completion.
 * - `route_taken` gives the next step. A step that completed with no `route_taken` after it is
 *   continued by evaluating its routes again (`state.awaitingRoute`); so is one whose route led to
 *   `$end` when `workflow_completed` did not follow (the final output is rendered again).
 * - A step that started (or failed) and did not complete is the step to continue at: it runs again.
 *   It is the only step that can run twice. Inside a parallel or for-each group, the members and
 *   items that completed (`parallel_agent_completed`, `for_each_item_completed`) are kept in
 *   `state.groups`, so only the unfinished ones run again; so are a questions step's answers
 *   (`questions_answered`), so only the questions not answered are asked again.
 * - A step that started and has no end in the log although the run went on (a route was taken, or
 *   another step started, completed or failed: its completion line was lost) rewinds the state to it:
 *   it runs again, and the events after it change nothing (`rewound`). A completion of a step that
 *   already completed and did not start again is a duplicate, and counts once. A resume at another
 *   step than the one in flight (`workflow_resumed.resumed_at_step`) lets go of the one in flight.
 * - `workflow_completed` makes the run `completed`; `workflow_resumed` raises the generation.
 * - Events of sub-workflows (`data.subworkflow_path`), of group members and items (`data.group_name`
 *   on a step event), and every other type leave the state as it is.
 *
 * With `base` (a checkpoint's state), events with `seq <= base.lastSeq` are skipped and the rest
 * are folded on top of it.
 */
export function resumeStateFromEvents(
  events: Iterable<ConductorEvent>,
  base?: ResumeBase,
): ResumeStateFromEvents {
  const fold = createResumeFold(base);
  for (const event of events) fold.apply(event);
  return fold.result();
}

/** {@link resumeStateFromEvents} one event at a time, so a long log can be folded as it is read. */
export interface ResumeFold {
  apply(event: ConductorEvent): void;
  result(): ResumeStateFromEvents;
}

export function createResumeFold(base?: ResumeBase): ResumeFold {
  const baseSeq = base?.lastSeq ?? 0;
  let inputs: Record<string, unknown> = base ? { ...base.inputs } : {};
  let state: ExecutorState | null = base ? cloneState(base.state) : null;
  let status: ResumeStateFromEvents['status'] = base ? 'resumable' : 'empty';
  let inFlight: string | null = null;
  let lastSeq = baseSeq;
  let generation = base?.generation ?? 0;
  let runId: string | null = null;
  let workflowPath: string | null = null;
  let workflowName: string | null = null;
  let folded = 0;
  let rewound: RewoundStep | null = null;

  /** The step in flight ended without an end in the log: continue at it, and use nothing after. */
  function rewind(state: ExecutorState, step: string, event: ConductorEvent): void {
    state.currentStep = step;
    state.awaitingRoute = false;
    inFlight = step;
    rewound = { step, seq: event.seq, type: event.type };
  }

  function apply(event: ConductorEvent): void {
    if (event.seq <= baseSeq) return;
    lastSeq = Math.max(lastSeq, event.seq);
    const { data } = event;
    if (Array.isArray(data.subworkflow_path) && data.subworkflow_path.length > 0) return;
    const name = typeof data.agent_name === 'string' ? data.agent_name : null;

    if (event.type === 'workflow_started') {
      inputs = isRecord(data.inputs) ? { ...data.inputs } : {};
      const entry = typeof data.entry_point === 'string' ? data.entry_point : null;
      state = {
        currentStep: entry,
        iteration: 0,
        stepOutputs: {},
        history: [],
        lastOutputStep: null,
        startedAt: event.timestamp,
      };
      status = 'resumable';
      inFlight = null;
      rewound = null;
      if (typeof data.run_id === 'string') runId = data.run_id;
      if (typeof data.yaml_source === 'string') workflowPath = data.yaml_source;
      if (typeof data.name === 'string') workflowName = data.name;
      folded++;
      return;
    }
    if (event.type === 'workflow_resumed') {
      if (typeof data.generation === 'number') generation = Math.max(generation, data.generation);
      if (status === 'completed') status = 'resumable';
      // A resume that continued elsewhere (from an older checkpoint) left the step in flight behind.
      if (!rewound && typeof data.resumed_at_step === 'string' && data.resumed_at_step !== inFlight) {
        inFlight = null;
      }
      return;
    }
    if (event.type === 'workflow_completed') {
      status = 'completed';
      folded++;
      return;
    }
    if (!state || rewound) return;

    const group = typeof data.group_name === 'string' ? data.group_name : null;
    const groupEvent = isGroupEvent(event.type);
    // A member's or item's own step events: the group is the step, its progress is below.
    if (group && !groupEvent) return;
    const step = groupEvent ? group : name;
    const phase = stepPhase(event.type);

    // A questions step keeps each answer, so a resume asks only the questions not answered yet.
    if (event.type === 'questions_answered' && name !== null && !group) {
      if (typeof data.question_id === 'string') {
        progressOf(state, name).completed[data.question_id] = {
          answer: typeof data.answer === 'string' ? data.answer : null,
          source: data.source,
        };
      }
      folded++;
      return;
    }
    if (event.type === 'parallel_agent_completed' || event.type === 'for_each_item_completed') {
      const key = event.type === 'parallel_agent_completed' ? name : String(data.index);
      if (!group || key === null || key === 'undefined') return;
      progressOf(state, group).completed[key] = data.output ?? null;
      folded++;
      return;
    }
    // An event that means the step in flight ended, though the log holds no end for it.
    const ends = event.type === 'route_taken' || (step !== null && step !== inFlight && phase !== undefined);
    if (inFlight !== null && ends) {
      rewind(state, inFlight, event);
      return;
    }
    // The same completion twice (the step did not start again in between): it counts once.
    if (
      phase === 'completed' &&
      step !== null &&
      inFlight === null &&
      state.currentStep === step &&
      state.awaitingRoute === true
    ) {
      return;
    }

    if (event.type === 'for_each_started' && group) {
      const progress = progressOf(state, group);
      const count = typeof data.item_count === 'number' ? data.item_count : undefined;
      if (progress.item_count !== undefined && progress.item_count !== count) progress.completed = {};
      if (count !== undefined) progress.item_count = count;
    } else if (event.type === 'parallel_started' && group) {
      progressOf(state, group);
    }
    const failedGroup =
      data.failed === true && (event.type === 'parallel_completed' || event.type === 'for_each_completed');

    if (phase === 'started' && step) {
      state.currentStep = step;
      state.awaitingRoute = false;
      inFlight = step;
      folded++;
    } else if (phase === 'completed' && step) {
      if ((event.type === 'wait_completed' && data.interrupted === true) || failedGroup) {
        state.currentStep = step;
        state.awaitingRoute = false;
        inFlight = step;
      } else {
        state.iteration += 1;
        state.history.push({ step, iteration: state.iteration, status: 'completed' });
        // A script's completion holds its streams once, not its output: rebuilt as the engine built it.
        state.stepOutputs[step] =
          (event.type === 'script_completed' ? scriptOutputOf(data) : data.output) ?? null;
        state.lastOutputStep = step;
        state.currentStep = step;
        state.awaitingRoute = true;
        inFlight = null;
        // A finished group starts afresh if the run comes back to it.
        const groups = (state as StateWithGroups).groups;
        if (groups && Object.hasOwn(groups, step)) {
          delete groups[step];
          if (Object.keys(groups).length === 0) delete (state as StateWithGroups).groups;
        }
      }
      folded++;
    } else if (phase === 'failed' && step) {
      state.currentStep = step;
      state.awaitingRoute = false;
      inFlight = step;
      folded++;
    } else if (event.type === 'route_taken') {
      const from = typeof data.from_agent === 'string' ? data.from_agent : null;
      const to = typeof data.to_agent === 'string' ? data.to_agent : null;
      if (to && to !== END) {
        state.currentStep = to;
        state.awaitingRoute = false;
        inFlight = null;
      } else if (from) {
        state.currentStep = from;
        state.awaitingRoute = true;
      }
      folded++;
    }
  }

  function result(): ResumeStateFromEvents {
    return {
      status,
      inputs: { ...inputs },
      state: state
        ? cloneState(state)
        : {
            currentStep: null,
            iteration: 0,
            stepOutputs: {},
            history: [],
            lastOutputStep: null,
            startedAt: 0,
          },
      inFlight,
      lastSeq,
      generation,
      runId,
      workflowPath,
      workflowName,
      folded,
      rewound,
    };
  }

  return { apply, result };
}

function progressOf(state: ExecutorState, group: string): GroupProgressState {
  const withGroups = state as StateWithGroups;
  withGroups.groups ??= {};
  withGroups.groups[group] ??= { completed: {} };
  return withGroups.groups[group];
}

function cloneState(state: ExecutorState): ExecutorState {
  return structuredClone(state);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
