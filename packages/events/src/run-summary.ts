// A run in one line: what a list of runs shows (`conductor runs`, the run list page, the CLI's final
// line). One derivation from the log, so every place that shows these numbers shows the same ones.
import type { ConductorEvent } from './envelope.js';
import type { RunState, RunStatus } from './projection.js';
import { applyEvent, initialRunState } from './projection.js';

/** One process's stretch of a run: from its `workflow_started` or `workflow_resumed` to its end. */
export interface RunSpan {
  generation: number;
  started_at: number;
  /** The end event's time; null while the span is open (going on, or its process died). */
  ended_at: number | null;
  /** The last event seen in the span: where an open span stops counting when nobody runs it. */
  last_event_at: number;
}

export interface RunSummary {
  run_id: string | null;
  workflow: string | null;
  status: RunStatus;
  /** Epoch seconds of the very first start. */
  started_at: number | null;
  /** Epoch seconds of the last end (null while running, or when the process died without ending it). */
  finished_at: number | null;
  last_event_at: number | null;
  /** How many times the run was resumed. */
  resumes: number;
  /** The step to look at: the gate waiting for an answer, else the step running, else the step it failed at. */
  step: string | null;
  /** The gate waiting for an answer, if any, and its options. */
  gate: string | null;
  gate_options: Array<{ label: string; value: string }>;
  /** The error the run ended with (`type: message`), if it failed or was stopped. */
  error: string | null;
  cost_usd: number;
  event_count: number;
  spans: RunSpan[];
}

export interface RunDurations {
  /** Seconds some process was running the run: the sum of its spans, downtime between them left out. */
  active_seconds: number | null;
  /** Seconds from the first start to the end (or to now while it runs). */
  wall_seconds: number | null;
}

/** Folds a run's events into its summary; `apply` each event in seq order. */
export interface RunSummaryFold {
  apply(event: ConductorEvent): void;
  summary(): RunSummary;
  state(): RunState;
}

export function createRunSummaryFold(): RunSummaryFold {
  let state = initialRunState();
  const spans: RunSpan[] = [];
  return {
    apply(event) {
      const before = state;
      state = applyEvent(state, event);
      const open = spans.at(-1);
      const atRoot = !Array.isArray((event.data as { subworkflow_path?: unknown })?.subworkflow_path);
      if (atRoot && (event.type === 'workflow_started' || event.type === 'workflow_resumed')) {
        // A second workflow_started in one log (a restarted original run) starts a new span as well.
        if (open && open.ended_at === null) open.ended_at = open.last_event_at;
        spans.push({
          generation: state.run.generation,
          started_at: event.timestamp,
          ended_at: null,
          last_event_at: event.timestamp,
        });
        return;
      }
      if (!open || open.ended_at !== null) return;
      open.last_event_at = Math.max(open.last_event_at, event.timestamp);
      const ended = before.run.finished_at === null && state.run.finished_at !== null;
      if (ended) open.ended_at = event.timestamp;
    },
    summary: () => summaryOf(state, spans),
    state: () => state,
  };
}

/** The summary of a whole log at once. */
export function summarizeRun(events: Iterable<ConductorEvent>): RunSummary {
  const fold = createRunSummaryFold();
  for (const event of events) fold.apply(event);
  return fold.summary();
}

function summaryOf(state: RunState, spans: RunSpan[]): RunSummary {
  const { run } = state;
  const gate = state.gate?.step ?? null;
  const failedStep = run.status === 'failed' || run.status === 'interrupted' ? run.error?.agent_name : null;
  return {
    run_id: run.run_id,
    workflow: run.name,
    status: run.status,
    started_at: run.started_at,
    finished_at: run.finished_at,
    last_event_at: state.last_event_at,
    resumes: state.resumes.length,
    step: gate ?? run.current_step ?? failedStep ?? null,
    gate,
    gate_options: state.gate ? state.gate.options.map(({ label, value }) => ({ label, value })) : [],
    error: run.error ? [run.error.error_type, run.error.message].filter(Boolean).join(': ') || null : null,
    cost_usd: run.totals.cost_usd,
    event_count: state.event_count,
    spans: spans.map((span) => ({ ...span })),
  };
}

/**
 * Active and wall time. `now`: epoch seconds when a process runs the run now, so its open span counts
 * up to now; null when nobody does (it ended, or its process died), so an open span stops at its last
 * event instead of growing forever.
 */
export function runDurations(summary: RunSummary, now: number | null): RunDurations {
  if (summary.started_at === null) return { active_seconds: null, wall_seconds: null };
  let active = 0;
  summary.spans.forEach((span, index) => {
    const last = index === summary.spans.length - 1;
    const end =
      span.ended_at ?? (last && now !== null ? Math.max(now, span.last_event_at) : span.last_event_at);
    active += Math.max(0, end - span.started_at);
  });
  const end =
    summary.finished_at ??
    (now !== null
      ? Math.max(now, summary.last_event_at ?? now)
      : (summary.last_event_at ?? summary.started_at));
  return { active_seconds: active, wall_seconds: Math.max(0, end - summary.started_at) };
}
