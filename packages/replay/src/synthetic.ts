import {
  type ConductorEvent,
  EVENT_KINDS,
  type EventType,
  type StepType,
  stepEventType,
} from '@conductor/events';

/**
 * What the synthetic summary reads of a checkpoint. A structural subset of the version-2 checkpoint of
 * `@conductor/checkpoint`, so any loaded (or migrated) checkpoint fits, and tests can write one inline.
 */
export interface CheckpointHistory {
  run_id?: string | null;
  workflow_path?: string | null;
  current_step?: string | null;
  /** ISO 8601 text or Unix seconds. */
  created_at?: string | number | null;
  /** Why it was written: `failure`, `interrupt`, `timeout`, `iteration_limit` end an attempt; `periodic` does not. */
  trigger?: string | null;
  context: {
    workflow_inputs?: Record<string, unknown> | null;
    step_outputs?: Record<string, unknown> | null;
    /** Executed steps in order; plain step names (older checkpoints) are accepted too. */
    execution_history?: ReadonlyArray<ExecutionRecord | string> | null;
  };
  event_log_path?: string | null;
  /** The seq of the last event of the run when the checkpoint was written; synthetic seqs stay <= it. */
  last_seq?: number | null;
  generation?: number | null;
  /** 1 for a checkpoint of the original conductor: its log's lines carry no seq matching `last_seq`. */
  migrated_from?: number | null;
  failure?: { error_type?: string | null; message?: string | null; agent_name?: string | null } | null;
}

/** One executed step in a checkpoint's execution history. Unknown fields are ignored. */
export interface ExecutionRecord {
  step: string;
  iteration?: number | null;
  /** `completed` (default) or `failed`. */
  status?: string | null;
  output?: unknown;
  /** Step type when the history knows it: agent, script, set, wait, human_gate, workflow, parallel, for_each. */
  type?: string | null;
  started_at?: number | string | null;
  finished_at?: number | string | null;
  elapsed?: number | null;
  error_type?: string | null;
  message?: string | null;
  [key: string]: unknown;
}

/** The workflow graph, to also synthesize a `workflow_started` (the dashboard draws the graph from it). */
export interface WorkflowOutline {
  name: string;
  entry_point: string;
  version?: string | null;
  agents: ReadonlyArray<{ name: string; type?: string; model?: string | null; provider?: string | null }>;
  routes?: ReadonlyArray<{ from: string; to: string; when?: string | null }>;
  parallel_groups?: ReadonlyArray<{ name: string; agents: readonly string[] }>;
  for_each_groups?: ReadonlyArray<{ name: string; source: string }>;
}

interface Step {
  name: string;
  kind: StepType;
  iteration: number | null;
  failed: boolean;
  hasOutput: boolean;
  output: unknown;
  record: ExecutionRecord;
  startedAt: number | null;
  finishedAt: number | null;
}

interface Draft {
  type: EventType;
  data: Record<string, unknown>;
  /** Known time of the event, when the checkpoint recorded one. */
  at: number | null;
}

/**
 * A summary of the run so far, made up from a checkpoint when its event log is gone: for every
 * executed step a started and a completed (or failed) event of the step's type, with the step's output;
 * `workflow_started` first when `workflow` is given; and, when the checkpoint was written because
 * the run failed or was interrupted, the step that was running then and a `workflow_failed`, so the
 * dashboard shows "attempt 1 failed here" before the resumed attempt. (Any trigger but `periodic`
 * ends an attempt: `interrupt` as stopped by the user, the others as failed.)
 *
 * Every event carries `data.synthetic: true` and seqs run 1..K. K never exceeds `checkpoint.last_seq`
 * (when it is >= 1), because the resumed run numbers its events after it. When the history needs more
 * seqs than that, it is compressed, in this order, until it fits:
 * 1. each step gets only its completed/failed event (the projection opens the attempt from it);
 * 2. repeated executions of a step (loops) keep only the last one;
 * 3. the running step and the closing `workflow_failed` are dropped;
 * 4. only the most recent steps are kept (`workflow_started` stays while there is room for it).
 *
 * Timestamps come from the history records (`started_at`, `finished_at`, `elapsed`) when present;
 * the others are spaced 1 ms apart and end at `created_at` (or now), never going backwards.
 */
export function synthesizeHistory(
  checkpoint: CheckpointHistory,
  workflow?: WorkflowOutline,
): ConductorEvent[] {
  const steps = stepsOf(checkpoint, workflow);
  const header: Draft[] = workflow ? [workflowStarted(checkpoint, workflow)] : [];
  const tail = endOfAttempt(checkpoint, workflow, steps);
  const cap =
    typeof checkpoint.last_seq === 'number' && checkpoint.last_seq >= 1 ? checkpoint.last_seq : Infinity;
  const drafts = fit(header, steps, tail, cap);
  return stamp(drafts, toSeconds(checkpoint.created_at) ?? Date.now() / 1000);
}

function fit(header: Draft[], steps: Step[], tail: Draft[], cap: number): Draft[] {
  const lastIndex = new Map(steps.map((step, i) => [step.name, i]));
  const lastOfEach = steps.filter((step, i) => lastIndex.get(step.name) === i);
  const candidates = [
    steps.flatMap((step) => [startedOf(step), finishedOf(step)]),
    steps.map(finishedOf),
    lastOfEach.map(finishedOf),
  ];
  for (const body of candidates) {
    if (header.length + body.length + tail.length <= cap) return [...header, ...body, ...tail];
  }
  const kept = header.slice(0, cap);
  const budget = cap - kept.length;
  return [...kept, ...(budget > 0 ? lastOfEach.slice(-budget).map(finishedOf) : [])];
}

function stamp(drafts: Draft[], end: number): ConductorEvent[] {
  const events: ConductorEvent[] = [];
  let previous = -Infinity;
  drafts.forEach((draft, i) => {
    const spaced = end - (drafts.length - 1 - i) * 0.001;
    const timestamp = Math.max(previous, draft.at ?? spaced);
    previous = timestamp;
    events.push({ seq: i + 1, type: draft.type, timestamp, data: { ...draft.data, synthetic: true } });
  });
  return events;
}

function stepsOf(checkpoint: CheckpointHistory, workflow: WorkflowOutline | undefined): Step[] {
  const history = (checkpoint.context.execution_history ?? []).map((entry) =>
    typeof entry === 'string' ? { step: entry } : entry,
  );
  const outputs = checkpoint.context.step_outputs ?? {};
  const records = history.filter((record) => typeof record.step === 'string' && record.step !== '');
  const lastIndex = new Map(records.map((record, i) => [record.step, i]));
  return records.map((record, i): Step => {
    const isLast = lastIndex.get(record.step) === i;
    const hasOwnOutput = 'output' in record;
    const fromOutputs = isLast && Object.hasOwn(outputs, record.step);
    const startedAt = toSeconds(record.started_at);
    let finishedAt = toSeconds(record.finished_at ?? (record.completed_at as string | number | undefined));
    if (finishedAt === null && startedAt !== null && typeof record.elapsed === 'number') {
      finishedAt = startedAt + record.elapsed;
    }
    return {
      name: record.step,
      kind: kindOf(record, workflow),
      iteration: typeof record.iteration === 'number' ? record.iteration : null,
      failed: record.status === 'failed' || record.status === 'error',
      hasOutput: hasOwnOutput || fromOutputs,
      output: hasOwnOutput ? record.output : fromOutputs ? outputs[record.step] : undefined,
      record,
      startedAt,
      finishedAt,
    };
  });
}

/** Step types as histories and workflows name them. */
const KINDS: Record<string, StepType> = {
  agent: 'agent',
  script: 'script',
  set: 'set',
  wait: 'wait',
  human_gate: 'human_gate',
  gate: 'human_gate',
  workflow: 'workflow',
  subworkflow: 'workflow',
  parallel: 'parallel',
  for_each: 'for_each',
};

function kindOf(record: ExecutionRecord, workflow: WorkflowOutline | undefined): StepType {
  const declared =
    (typeof record.type === 'string' ? record.type : null) ??
    workflow?.agents.find((agent) => agent.name === record.step)?.type ??
    (workflow?.parallel_groups?.some((group) => group.name === record.step) ? 'parallel' : null) ??
    (workflow?.for_each_groups?.some((group) => group.name === record.step) ? 'for_each' : null);
  return (declared && KINDS[declared]) || 'agent';
}

/** The event that starts, completes or fails a step of this type, by the kinds table. */
function eventFor(kind: StepType, phase: 'started' | 'completed' | 'failed'): EventType | undefined {
  return stepEventType(kind, phase);
}

/** Whether the step is a group (named by `group_name`, counted by its members or items). */
function isGroup(kind: StepType): boolean {
  const started = eventFor(kind, 'started');
  return started !== undefined && EVENT_KINDS[started].subject === 'group';
}

/** What each step type's start event says besides the step's name. */
const STARTED: Record<StepType, (step: Step) => Record<string, unknown>> = {
  agent: (step) => ({ iteration: step.iteration, agent_type: 'agent' }),
  script: (step) => ({ iteration: step.iteration }),
  set: () => ({}),
  wait: (step) => ({ duration_seconds: numberOr(step.record.duration_seconds, 0), reason: null }),
  human_gate: (step) => ({ prompt: stringOr(step.record.prompt, ''), options: [] }),
  workflow: (step) => ({ workflow: stringOr(step.record.workflow, '') }),
  parallel: (step) => ({ agents: membersOf(step) }),
  for_each: (step) => ({ item_count: Array.isArray(step.output) ? step.output.length : 0 }),
};

function startedOf(step: Step): Draft {
  const type = eventFor(step.kind, 'started') as EventType;
  const name = isGroup(step.kind) ? { group_name: step.name } : { agent_name: step.name };
  return { type, at: step.startedAt, data: { ...name, ...STARTED[step.kind](step) } };
}

function finishedOf(step: Step): Draft {
  const at = step.finishedAt ?? step.startedAt;
  const elapsed = typeof step.record.elapsed === 'number' ? { elapsed: step.record.elapsed } : {};
  const output = step.hasOutput ? { output: step.output } : {};
  const agent = { agent_name: step.name, ...elapsed };
  if (step.failed) {
    if (isGroup(step.kind)) return groupCompleted(step, at, 0, 1);
    const error = {
      error_type: stringOr(step.record.error_type, 'Error'),
      message: stringOr(step.record.message, 'failed before the checkpoint'),
    };
    // A wait or a gate has no failure event of its own: an agent_failed fails its attempt.
    return { type: eventFor(step.kind, 'failed') ?? 'agent_failed', at, data: { ...agent, ...error } };
  }
  const type = eventFor(step.kind, 'completed') as EventType;
  switch (step.kind) {
    case 'wait':
      return {
        type,
        at,
        data: { ...agent, waited_seconds: numberOr(step.record.elapsed, 0), interrupted: false },
      };
    case 'human_gate':
      return { type, at, data: { agent_name: step.name, ...gateSelection(step.output) } };
    case 'parallel':
      return groupCompleted(step, at, membersOf(step).length, 0);
    case 'for_each':
      return groupCompleted(step, at, Array.isArray(step.output) ? step.output.length : 0, 0);
    default:
      return { type, at, data: { ...agent, ...output } };
  }
}

function groupCompleted(step: Step, at: number | null, success: number, failure: number): Draft {
  const type = eventFor(step.kind, 'completed') as EventType;
  return { type, at, data: { group_name: step.name, success_count: success, failure_count: failure } };
}

function membersOf(step: Step): string[] {
  const output = step.output;
  if (output && typeof output === 'object' && !Array.isArray(output)) return Object.keys(output);
  return [];
}

function gateSelection(output: unknown): Record<string, unknown> {
  if (output && typeof output === 'object') {
    const o = output as Record<string, unknown>;
    const selected = o.selected_option ?? o.selected ?? o.value;
    return {
      selected_option: typeof selected === 'string' ? selected : '',
      route: typeof o.route === 'string' ? o.route : null,
      additional_input: o.additional_input ?? null,
    };
  }
  return { selected_option: typeof output === 'string' ? output : '', route: null, additional_input: null };
}

function workflowStarted(checkpoint: CheckpointHistory, workflow: WorkflowOutline): Draft {
  return {
    type: 'workflow_started',
    at: null,
    data: {
      name: workflow.name,
      version: workflow.version ?? null,
      entry_point: workflow.entry_point,
      agents: workflow.agents.map((agent) => ({ ...agent })),
      parallel_groups: (workflow.parallel_groups ?? []).map((group) => ({
        name: group.name,
        agents: [...group.agents],
      })),
      for_each_groups: (workflow.for_each_groups ?? []).map((group) => ({ ...group })),
      routes: (workflow.routes ?? []).map((route) => ({ ...route })),
      inputs: checkpoint.context.workflow_inputs ?? {},
      ...(checkpoint.run_id ? { run_id: checkpoint.run_id } : {}),
    },
  };
}

/**
 * A checkpoint written because the run ended (failure, interrupt, timeout, iteration limit) ends the
 * earlier attempt: the step that was running starts, then `workflow_failed` marks it failed (or
 * interrupted) the way the live run did.
 */
function endOfAttempt(
  checkpoint: CheckpointHistory,
  workflow: WorkflowOutline | undefined,
  steps: Step[],
): Draft[] {
  const trigger = checkpoint.trigger;
  if (!trigger || trigger === 'periodic') return [];
  const interrupted = trigger === 'interrupt';
  const failure = checkpoint.failure ?? {};
  const current = checkpoint.current_step ?? failure.agent_name ?? null;
  const drafts: Draft[] = [];
  const last = steps[steps.length - 1];
  if (current && !(last && last.name === current && last.failed)) {
    const record: ExecutionRecord = { step: current };
    const step: Step = {
      name: current,
      kind: kindOf(record, workflow),
      iteration: null,
      failed: false,
      hasOutput: false,
      output: undefined,
      record,
      startedAt: null,
      finishedAt: null,
    };
    // Groups have no single "running" step in the projection: their start alone is enough.
    drafts.push(startedOf(step));
  }
  drafts.push({
    type: 'workflow_failed',
    at: null,
    data: {
      error_type:
        failure.error_type ?? (interrupted ? 'Interrupted' : trigger === 'timeout' ? 'Timeout' : 'Error'),
      message:
        failure.message ?? (interrupted ? 'stopped before the checkpoint' : 'failed before the checkpoint'),
      agent_name: failure.agent_name ?? current,
      stopped_by_user: interrupted,
    },
  });
  return drafts;
}

/** Unix seconds from seconds, milliseconds (large numbers) or ISO 8601 text; null if unreadable. */
function toSeconds(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value > 1e11 ? value / 1000 : value;
  if (typeof value === 'string' && value !== '') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? null : ms / 1000;
  }
  return null;
}

const numberOr = (value: unknown, fallback: number): number =>
  typeof value === 'number' && Number.isFinite(value) ? value : fallback;
const stringOr = (value: unknown, fallback: string): string => (typeof value === 'string' ? value : fallback);
