import {
  asKnownEvent,
  type ConductorEvent,
  type EventData,
  type EventSubject,
  type EventType,
  eventKindOf,
  type ResumeMark,
} from '@conductor/events';
import { formatDuration, formatUsd, preview } from './format';
import { itemLabel } from './workflowView';

/**
 * The activity stream's rows. A row is one event, or a run of consecutive streamed chunks
 * (`agent_message` / `agent_reasoning`) of the same step, coalesced for display only: the projection
 * still sees every event.
 */

export type Category = 'run' | 'step' | 'message' | 'tool' | 'gate' | 'group' | 'error';

export const CATEGORIES: ReadonlyArray<{ id: Category; label: string }> = [
  { id: 'run', label: 'Run' },
  { id: 'step', label: 'Steps' },
  { id: 'message', label: 'Messages' },
  { id: 'tool', label: 'Tools' },
  { id: 'gate', label: 'Gates' },
  { id: 'group', label: 'Groups' },
  { id: 'error', label: 'Errors' },
];

export interface ActivityRow {
  /** Seq of the (first) event: stable key and test hook. */
  seq: number;
  /** Seq of the last event folded into the row (> seq for coalesced chunks). */
  lastSeq: number;
  type: string;
  category: Category;
  timestamp: number;
  /**
   * Step key as in `RunState.steps` (or a group's key), null for run-level events. A for-each item's
   * events belong to their group: items are not steps.
   */
  step: string | null;
  /** The group the event belongs to (a member's or an item's group, or the group's own event). */
  group: string | null;
  /** The sub-workflow the event comes from: its parent path joined with `/` ('' at the root). */
  path: string;
  summary: string;
  synthetic: boolean;
  /** Number of events in the row. */
  count: number;
  /** Total streamed characters, for coalesced rows. */
  chars: number;
  /** The for-each item the event is of (`group#index`), or null. */
  item: string | null;
}

/** Rows kept in memory; older ones are paged in again from `/api/events?before=`. */
export const MAX_ROWS = 5000;
/** Rows asked for per page. */
export const PAGE_SIZE = 200;

const COALESCED = new Set(['agent_message', 'agent_reasoning']);
const KEPT_TEXT = 400;

/** The filter of each subject in the kinds table; failures and retries are errors whatever their subject. */
const CATEGORY_OF: Record<EventSubject, Category> = {
  run: 'run',
  route: 'run',
  checkpoint: 'run',
  limit: 'run',
  step: 'step',
  process: 'step',
  gate: 'gate',
  text: 'message',
  tool: 'tool',
  validation: 'step',
  dialog: 'gate',
  group: 'group',
  member: 'group',
  item: 'group',
};

export function categoryOf(type: string): Category {
  const kind = eventKindOf(type);
  if (!kind) return categoryByName(type);
  return kind.phase === 'failed' || kind.phase === 'retried' ? 'error' : CATEGORY_OF[kind.subject];
}

/** A type a newer conductor added: sorted by the naming conventions of the vocabulary. */
function categoryByName(type: string): Category {
  if (type.endsWith('_failed')) return 'error';
  if (type.startsWith('workflow_') || type.startsWith('checkpoint_') || type.startsWith('iteration_'))
    return 'run';
  if (type.startsWith('gate_') || type.startsWith('dialog_')) return 'gate';
  if (type.startsWith('agent_tool_')) return 'tool';
  if (type.startsWith('parallel_') || type.startsWith('for_each_')) return 'group';
  return 'step';
}

type Data = Record<string, unknown>;
const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** The step an event belongs to, keyed like the projection (`parent/child` inside sub-workflows). */
export function stepOf(event: ConductorEvent): string | null {
  const data: Data = event.data ?? {};
  // An item's step events (`each[3]`) belong to the item's group.
  const name = isItemEvent(data) ? str(data.group_name) : (str(data.agent_name) ?? str(data.group_name));
  return name ? keyed(data, name) : null;
}

function groupOf(event: ConductorEvent): string | null {
  const data: Data = event.data ?? {};
  const name = str(data.group_name);
  return name ? keyed(data, name) : null;
}

export function pathOf(event: ConductorEvent): string {
  const path = event.data?.subworkflow_path;
  return Array.isArray(path) ? (path as string[]).join('/') : '';
}

function keyed(data: Data, name: string): string {
  const path = Array.isArray(data.subworkflow_path) ? (data.subworkflow_path as string[]) : [];
  return path.length === 0 ? name : `${path.join('/')}/${name}`;
}

/** The events of a for-each item carry the item's group and index (as the projection tests). */
function isItemEvent(data: Data): boolean {
  return typeof data.group_name === 'string' && typeof data.index === 'number';
}

function itemOf(d: { index?: number; item_key?: unknown; item_preview?: unknown }): string {
  return itemLabel(
    d.index ?? null,
    d.item_key === undefined || d.item_key === null ? null : String(d.item_key),
    str(d.item_preview),
  );
}

/** Whether `event` starts or ends the body step of a for-each item (not the item's own event). */
function isItemBodyBoundary(event: ConductorEvent): boolean {
  const data: Data = event.data ?? {};
  if (!isItemEvent(data)) return false;
  return isStepBoundary(event.type);
}

function isStepBoundary(type: string): boolean {
  const kind = eventKindOf(type);
  return (
    kind != null &&
    kind.subject === 'step' &&
    (kind.phase === 'started' || kind.phase === 'completed' || kind.phase === 'failed')
  );
}

const sameItem = (row: ActivityRow, event: ConductorEvent): boolean =>
  row.item !== null && row.item === itemIdOf(event);

function itemIdOf(event: ConductorEvent): string | null {
  const data: Data = event.data ?? {};
  return isItemEvent(data) ? `${keyed(data, data.group_name as string)}#${data.index as number}` : null;
}

/**
 * An item's start and its body step's start say the same, and so do the body's end and the item's end:
 * the stream shows them as one row (the item's), when they come one after the other.
 */
function mergesWithItem(row: ActivityRow | undefined, event: ConductorEvent): 'into-row' | 'replace' | null {
  if (!row || !sameItem(row, event) || row.count !== 1) return null;
  if (row.type === 'for_each_item_started' && isItemBodyBoundary(event)) {
    return eventKindOf(event.type)?.phase === 'started' ? 'into-row' : null;
  }
  if (
    (event.type === 'for_each_item_completed' || event.type === 'for_each_item_failed') &&
    eventKindOf(row.type)?.phase !== 'started' &&
    isStepBoundary(row.type)
  )
    return 'replace';
  return null;
}

function errorText(data: { error_type?: unknown; message?: unknown }): string {
  return [str(data.error_type), str(data.message)].filter(Boolean).join(': ') || 'failed';
}

/**
 * What the rows need to know of the run beyond each event: when it first started and its resumes, so
 * that its "Completed" row gives the whole run's times, not the last resume's.
 */
export interface RunTiming {
  startedAt: number | null;
  resumes: readonly ResumeMark[];
}

/** "active 1m 02s · wall 2m 08s": the run's times up to `at` (its downtimes between failure and resume left out of active). */
export function runTimesText(timing: RunTiming, at: number): string | null {
  if (timing.startedAt === null) return null;
  const wall = Math.max(0, at - timing.startedAt);
  let down = 0;
  for (const mark of timing.resumes) {
    if (mark.stopped_at === null || mark.at > at) continue;
    down += Math.max(0, mark.at - Math.max(timing.startedAt, mark.stopped_at));
  }
  return `active ${formatDuration(Math.max(0, wall - down))} · wall ${formatDuration(wall)}`;
}

export function summarize(event: ConductorEvent): string {
  return summarizeIn(event, undefined);
}

/** What a row says of `event`, knowing the run's timing (for its "Completed" row). */
export function summarizeIn(event: ConductorEvent, timing: RunTiming | undefined): string {
  const kind = eventKindOf(event.type);
  if (timing && event.type === 'workflow_completed' && event.data?.status !== 'failed') {
    const times = runTimesText(timing, event.timestamp);
    if (times) {
      const output = event.data?.output;
      return `Completed — ${times}${withOutput(output)}`;
    }
  }
  const text = summaryOf(event);
  // A for-each item's own step events: say which item (the group's and the item's events say it already).
  const own = kind ? kind.subject === 'group' || kind.subject === 'item' : event.type.startsWith('for_each_');
  return isItemEvent(event.data ?? {}) && !own ? `${itemOf(event.data)}: ${text}` : text;
}

const took = (elapsed: number | undefined): string =>
  elapsed === undefined ? '' : ` in ${formatDuration(elapsed)}`;
const withOutput = (output: unknown): string => (output === undefined ? '' : ` — ${preview(output)}`);
const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;

/** How each event type reads in the stream. A type not listed reads as its fields (or its error). */
type Summaries = { [K in EventType]?: (data: EventData<K>) => string };

const stepStarted = (d: { iteration?: number | null; workflow?: string }): string =>
  `Started${d.iteration != null && d.iteration > 1 ? ` (iteration ${d.iteration})` : ''}${d.workflow ? ` ${d.workflow}` : ''}`;
const groupEnded =
  (kind: string) =>
  (d: EventData<'parallel_completed' | 'for_each_completed'>): string =>
    `${kind} ${d.group_name}: ${d.success_count} done, ${d.failure_count} failed${took(d.elapsed)}`;
const mode = (failureMode: string | undefined): string =>
  failureMode ? ` · ${failureMode.replaceAll('_', ' ')}` : '';

const SUMMARIES: Summaries = {
  workflow_started: (d) => `Started “${d.name}” with ${plural(d.agents.length, 'step')}`,
  workflow_resumed: (d) =>
    `Resumed at ${d.resumed_at_step} (resume ${d.generation}, history from ${
      d.history_source === 'synthetic' ? 'checkpoint summary' : 'log'
    })`,
  workflow_completed: (d) =>
    d.status === 'failed'
      ? `Terminated: ${d.termination_reason ?? 'by a step'}`
      : `Completed${took(d.elapsed)}${withOutput(d.output)}`,
  workflow_failed: (d) =>
    `${d.stopped_by_user === true ? 'Stopped by user' : errorText(d)}${d.checkpoint_path ? ' — checkpoint saved' : ''}`,
  route_taken: (d) => `${d.from_agent} → ${d.to_agent}`,
  checkpoint_saved: (d) => `Checkpoint saved (${d.trigger}): ${d.path}`,
  checkpoint_save_failed: (d) => `Checkpoint not saved (${d.trigger}): ${d.error_type ?? 'error'}`,
  iteration_limit_reached: (d) => `Iteration limit reached: ${d.current_iteration}/${d.max_iterations}`,
  iteration_limit_resolved: (d) =>
    d.continue_execution
      ? `Continuing for ${d.additional_iterations ?? '?'} more iterations`
      : 'Stopping at the iteration limit',
  budget_exceeded: (d) =>
    `Spend ${formatUsd(d.total_cost_usd)} passed the budget of ${formatUsd(d.budget_usd)}${
      d.budget_mode === 'enforce' ? ' — the run stops (enforce)' : ' (audit)'
    }`,
  agent_started: stepStarted,
  script_started: stepStarted,
  set_started: stepStarted,
  subworkflow_started: stepStarted,
  wait_started: (d) => `Waiting ${formatDuration(d.duration_seconds)}${d.reason ? ` — ${d.reason}` : ''}`,
  wait_completed: (d) => (d.interrupted ? 'Wait interrupted' : `Waited ${formatDuration(d.waited_seconds)}`),
  agent_prompt_rendered: (d) => preview(d.rendered_prompt),
  agent_message: (d) => d.content.slice(0, KEPT_TEXT),
  agent_reasoning: (d) => d.content.slice(0, KEPT_TEXT),
  agent_tool_start: (d) => `${d.tool_name}(${d.arguments === undefined ? '' : preview(d.arguments, 80)})`,
  agent_tool_complete: (d) =>
    typeof d.error === 'string'
      ? `${d.tool_name} failed: ${preview(d.error)}`
      : `${d.tool_name} → ${d.result === undefined || d.result === null ? 'done' : preview(d.result)}`,
  agent_retry: (d) => `Retry ${d.attempt}/${d.max_attempts}: ${d.error ?? ''}`,
  agent_timeout: (d) => `Timed out after ${d.timeout_seconds}s (timeout_seconds): cancelled`,
  agent_completed: (d) => {
    const parts = [`Completed${took(d.elapsed)}`];
    const tokens = d.tokens ?? sum(d.input_tokens ?? null, d.output_tokens ?? null);
    if (tokens !== null) parts.push(`${tokens.toLocaleString()} tokens`);
    if (d.cost_usd != null) parts.push(formatUsd(d.cost_usd));
    return `${parts.join(' · ')}${withOutput(d.output)}`;
  },
  // A summary rebuilt from a checkpoint knows no exit code: say only what is known.
  script_completed: (d) =>
    `${d.exit_code == null ? 'Completed' : `Exited ${d.exit_code}`}${took(d.elapsed)}${
      d.stdout ? ` — ${preview(d.stdout)}` : ''
    }`,
  set_completed: (d) => `Set${took(d.elapsed)}${d.value_repr ? ` — ${preview(d.value_repr)}` : ''}`,
  subworkflow_completed: (d) => `Completed${took(d.elapsed)}${withOutput(d.output)}`,
  gate_presented: (d) => `Waiting for a decision: ${preview(d.prompt)}`,
  gate_resolved: (d) => {
    const input = d.additional_input;
    const texts =
      typeof input === 'object' && input !== null
        ? Object.entries(input as Data).filter(([, v]) => v !== '' && v !== null)
        : typeof input === 'string' && input !== ''
          ? [['text', input] as const]
          : [];
    const given = texts.map(([k, v]) => `${k}: ${preview(v, 80)}`).join(', ');
    return `Selected “${d.selected_option}”${d.route ? ` → ${d.route}` : ''}${given ? ` — ${given}` : ''}`;
  },
  agent_validator_start: (d) => `Validating the answer${d.model ? ` with ${d.model}` : ''}`,
  agent_validator_complete: (d) =>
    d.errored
      ? `Validation could not decide (counted as a pass): ${preview(d.error ?? '')}`
      : d.passed
        ? `Validation passed${d.cost_usd != null ? ` · ${formatUsd(d.cost_usd)}` : ''}`
        : `Validation failed: ${preview((d.issues ?? []).join('; '))}`,
  agent_validation_failed: (d) =>
    `${d.will_retry ? 'Running again with the feedback' : 'Not run again (max_retries 0)'}: ${preview(d.issues.join('; '))}`,
  agent_rerun_failed: (d) =>
    `The re-run after the ${d.cause} failed; the answer before it is kept: ${errorText(d)}`,
  dialog_evaluated: (d) =>
    d.trigger
      ? `Wants to talk: ${preview(d.question ?? '')}`
      : `No dialog needed${d.reason ? ` — ${preview(d.reason)}` : ''}`,
  dialog_skipped: (d) =>
    d.reason === 'skip_gates'
      ? 'Dialog skipped (--skip-gates)'
      : `Dialog skipped: nobody could answer${d.question ? ` “${preview(d.question)}”` : ''}`,
  dialog_started: (d) => `Dialog opened: ${preview(d.opening_question)}`,
  dialog_message: (d) => `${d.role === 'agent' ? 'Agent' : 'You'}: ${preview(d.content)}`,
  dialog_completed: (d) =>
    `Dialog ended${d.agent_proposed_continue ? ' by the agent' : d.user_dismissed ? ' by you' : ''} after ${plural(d.turn_count, 'message')}`,
  parallel_started: (d) =>
    `parallel group ${d.group_name}: started ${plural(d.agents.length, 'member')}${
      d.agents.length > 0 ? ` (${d.agents.join(', ')})` : ''
    }${mode(d.failure_mode)}`,
  for_each_started: (d) =>
    `for-each group ${d.group_name}: ${plural(d.item_count, 'item')}${
      d.max_concurrent !== undefined ? `, ${d.max_concurrent} at once` : ''
    }${mode(d.failure_mode)}`,
  parallel_completed: groupEnded('parallel group'),
  for_each_completed: groupEnded('for-each group'),
  for_each_item_started: (d) => `${itemOf(d)} started`,
  for_each_item_completed: (d) => `${itemOf(d)} completed${took(d.elapsed)}${withOutput(d.output)}`,
  for_each_item_failed: (d) => `${itemOf(d)} failed${took(d.elapsed)}: ${errorText(d)}`,
  parallel_agent_completed: (d) => `${d.agent_name} completed${took(d.elapsed)}${withOutput(d.output)}`,
  parallel_agent_failed: (d) => `${d.agent_name} failed${took(d.elapsed)}: ${errorText(d)}`,
};

function summaryOf(event: ConductorEvent): string {
  const known = asKnownEvent(event);
  const summary = known ? (SUMMARIES[known.type] as ((data: unknown) => string) | undefined) : undefined;
  if (known && summary) return summary(known.data);
  const d: Data = event.data ?? {};
  const kind = eventKindOf(event.type);
  if (kind ? kind.phase === 'failed' : event.type.endsWith('_failed')) return errorText(d);
  return preview(withoutKeys(d, ['agent_name', 'group_name', 'subworkflow_path', 'synthetic']));
}

function sum(a: number | null, b: number | null): number | null {
  return a === null && b === null ? null : (a ?? 0) + (b ?? 0);
}

function withoutKeys(data: Data, keys: string[]): Data {
  const copy: Data = {};
  for (const [key, value] of Object.entries(data)) if (!keys.includes(key)) copy[key] = value;
  return copy;
}

export function rowOf(event: ConductorEvent, timing?: RunTiming): ActivityRow {
  const content = str(event.data?.content);
  return {
    seq: event.seq,
    lastSeq: event.seq,
    type: event.type,
    category: categoryOf(event.type),
    timestamp: event.timestamp,
    step: stepOf(event),
    group: groupOf(event),
    path: pathOf(event),
    summary: summarizeIn(event, timing),
    synthetic: event.data?.synthetic === true,
    count: 1,
    chars: content?.length ?? 0,
    item: itemIdOf(event),
  };
}

/** Whether `event` continues the streamed text of `row`. */
function continues(row: ActivityRow | undefined, event: ConductorEvent): row is ActivityRow {
  return (
    row !== undefined &&
    COALESCED.has(event.type) &&
    row.type === event.type &&
    row.lastSeq < event.seq &&
    row.step === stepOf(event) &&
    row.synthetic === (event.data?.synthetic === true)
  );
}

/** Whether `event` is a `workflow_failed` repeating the error of the step failure in `row`. */
function repeatsFailure(row: ActivityRow | undefined, event: ConductorEvent): boolean {
  if (!row || event.type !== 'workflow_failed' || row.category !== 'error' || row.count !== 1) return false;
  const data: Data = event.data ?? {};
  // Only in a summary rebuilt from a checkpoint, which writes both from the one failure it knows.
  if (!row.synthetic || data.synthetic !== true) return false;
  if (data.stopped_by_user === true || str(data.agent_name) !== row.step) return false;
  return row.summary.endsWith(errorText(data));
}

/** Appends events to rows (a new array), coalescing streamed chunks. */
export function appendRows(
  rows: readonly ActivityRow[],
  events: readonly ConductorEvent[],
  timing?: RunTiming,
): ActivityRow[] {
  const next = rows.slice();
  for (const event of events) {
    const last = next[next.length - 1];
    const merge = mergesWithItem(last, event);
    if (last && merge === 'into-row') {
      next[next.length - 1] = { ...last, lastSeq: event.seq };
      continue;
    }
    if (last && merge === 'replace') {
      next[next.length - 1] = { ...rowOf(event, timing), seq: last.seq };
      continue;
    }
    if (last && repeatsFailure(last, event)) {
      // The summary's step failure and run failure are one fact: one row, which says both.
      const saved = event.data?.checkpoint_path ? ', checkpoint saved' : '';
      next[next.length - 1] = {
        ...last,
        lastSeq: event.seq,
        summary: `${last.summary} — the run stopped${saved}`,
      };
    } else if (continues(last, event)) {
      const content = str(event.data?.content) ?? '';
      next[next.length - 1] = {
        ...last,
        lastSeq: event.seq,
        count: last.count + 1,
        chars: last.chars + content.length,
        summary:
          last.summary.length >= KEPT_TEXT ? last.summary : (last.summary + content).slice(0, KEPT_TEXT),
      };
    } else {
      next.push(rowOf(event, timing));
    }
  }
  return next;
}

/**
 * A contiguous window of the stream, at most MAX_ROWS long. `hasNewer` means the user paged so far back
 * that the newest rows were dropped: live events are then not appended until they jump back to latest.
 */
export interface ActivityWindow {
  rows: ActivityRow[];
  hasOlder: boolean;
  hasNewer: boolean;
}

export const emptyWindow: ActivityWindow = { rows: [], hasOlder: false, hasNewer: false };

export function windowOf(
  events: readonly ConductorEvent[],
  hasOlder: boolean,
  timing?: RunTiming,
): ActivityWindow {
  const rows = appendRows([], events, timing);
  return { rows: rows.slice(-MAX_ROWS), hasOlder: hasOlder || rows.length > MAX_ROWS, hasNewer: false };
}

/**
 * Adds live events. Past MAX_ROWS, a window that follows the stream drops its oldest rows; one the
 * user is reading (scrolled up) keeps them and stops taking new rows instead, until they jump back.
 */
export function appendToWindow(
  window: ActivityWindow,
  events: readonly ConductorEvent[],
  following = true,
  timing?: RunTiming,
): ActivityWindow {
  if (window.hasNewer || events.length === 0) return window;
  const rows = appendRows(window.rows, events, timing);
  if (rows.length <= MAX_ROWS) return { ...window, rows };
  if (!following) return { ...window, hasNewer: true };
  return { ...window, rows: rows.slice(rows.length - MAX_ROWS), hasOlder: true };
}

export function prependToWindow(
  window: ActivityWindow,
  older: readonly ConductorEvent[],
  hasOlder: boolean,
  timing?: RunTiming,
): ActivityWindow {
  const first = window.rows[0];
  const fresh = first ? older.filter((e) => e.seq < first.seq) : older;
  const rows = [...appendRows([], fresh, timing), ...window.rows];
  if (rows.length <= MAX_ROWS) return { ...window, rows, hasOlder };
  return { rows: rows.slice(0, MAX_ROWS), hasOlder, hasNewer: true };
}

/** The first seq of the window, for `/api/events?before=`. */
export function oldestSeq(window: ActivityWindow): number | null {
  return window.rows[0]?.seq ?? null;
}
