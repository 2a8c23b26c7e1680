import type { ConductorEvent } from '@conductor/events';
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
}

/** Rows kept in memory; older ones are paged in again from `/api/events?before=`. */
export const MAX_ROWS = 5000;
/** Rows asked for per page. */
export const PAGE_SIZE = 200;

const COALESCED = new Set(['agent_message', 'agent_reasoning']);
const KEPT_TEXT = 400;

export function categoryOf(type: string): Category {
  if (type.endsWith('_failed') || type === 'agent_retry') return 'error';
  if (
    type.startsWith('workflow_') ||
    type.startsWith('checkpoint_') ||
    type.startsWith('iteration_') ||
    type === 'route_taken'
  )
    return 'run';
  if (type.startsWith('gate_')) return 'gate';
  if (type.startsWith('agent_tool_')) return 'tool';
  if (COALESCED.has(type) || type === 'agent_prompt_rendered') return 'message';
  if (type.startsWith('parallel_') || type.startsWith('for_each_')) return 'group';
  return 'step';
}

type Data = Record<string, unknown>;
const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const num = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

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

/** The step events of a for-each item carry the item's group and index (as the projection tests). */
function isItemEvent(data: Data): boolean {
  return typeof data.group_name === 'string' && typeof data.index === 'number';
}

function itemOf(d: Data): string {
  return itemLabel(num(d.index), d.item_key === undefined || d.item_key === null ? null : String(d.item_key));
}

function errorText(data: Data): string {
  const type = str(data.error_type);
  const message = str(data.message);
  return [type, message].filter(Boolean).join(': ') || 'failed';
}

export function summarize(event: ConductorEvent): string {
  const d: Data = event.data ?? {};
  const text = summaryOf(event, d);
  // A for-each item's own step events: say which item.
  return isItemEvent(d) && !event.type.startsWith('for_each_') ? `${itemOf(d)}: ${text}` : text;
}

function summaryOf(event: ConductorEvent, d: Data): string {
  const elapsed = num(d.elapsed);
  const took = elapsed === null ? '' : ` in ${formatDuration(elapsed)}`;
  switch (event.type) {
    case 'workflow_started': {
      const agents = Array.isArray(d.agents) ? d.agents.length : 0;
      return `Started “${str(d.name) ?? 'workflow'}” with ${agents} step${agents === 1 ? '' : 's'}`;
    }
    case 'workflow_resumed':
      return `Resumed at ${str(d.resumed_at_step) ?? '?'} (resume ${num(d.generation) ?? '?'}, history from ${
        d.history_source === 'synthetic' ? 'checkpoint summary' : 'log'
      })`;
    case 'workflow_completed':
      return d.status === 'failed'
        ? `Terminated: ${str(d.termination_reason) ?? 'by a step'}`
        : `Completed${took}${d.output === undefined ? '' : ` — ${preview(d.output)}`}`;
    case 'workflow_failed':
      return `${d.stopped_by_user === true ? 'Stopped by user' : errorText(d)}${
        str(d.checkpoint_path) ? ' — checkpoint saved' : ''
      }`;
    case 'route_taken':
      return `${str(d.from_agent) ?? '?'} → ${str(d.to_agent) ?? '?'}`;
    case 'checkpoint_saved':
      return `Checkpoint saved (${str(d.trigger) ?? 'checkpoint'}): ${str(d.path) ?? ''}`;
    case 'checkpoint_save_failed':
      return `Checkpoint not saved (${str(d.trigger) ?? '?'}): ${str(d.error_type) ?? 'error'}`;
    case 'iteration_limit_reached':
      return `Iteration limit reached: ${num(d.current_iteration) ?? '?'}/${num(d.max_iterations) ?? '?'}`;
    case 'iteration_limit_resolved':
      return d.continue_execution === true
        ? `Continuing for ${num(d.additional_iterations) ?? '?'} more iterations`
        : 'Stopping at the iteration limit';
    case 'agent_started':
    case 'script_started':
    case 'set_started':
    case 'subworkflow_started': {
      const iteration = num(d.iteration);
      return `Started${iteration !== null && iteration > 1 ? ` (iteration ${iteration})` : ''}${
        str(d.workflow) ? ` ${str(d.workflow)}` : ''
      }`;
    }
    case 'wait_started':
      return `Waiting ${formatDuration(num(d.duration_seconds) ?? 0)}${str(d.reason) ? ` — ${str(d.reason)}` : ''}`;
    case 'wait_completed':
      return d.interrupted === true
        ? 'Wait interrupted'
        : `Waited ${formatDuration(num(d.waited_seconds) ?? 0)}`;
    case 'agent_prompt_rendered':
      return preview(str(d.rendered_prompt) ?? '');
    case 'agent_message':
    case 'agent_reasoning':
      return (str(d.content) ?? '').slice(0, KEPT_TEXT);
    case 'agent_tool_start':
      return `${str(d.tool_name) ?? 'tool'}(${d.arguments === undefined ? '' : preview(d.arguments, 80)})`;
    case 'agent_tool_complete':
      return `${str(d.tool_name) ?? 'tool'} → ${d.result === undefined ? 'done' : preview(d.result)}`;
    case 'agent_retry':
      return `Retry ${num(d.attempt) ?? '?'}/${num(d.max_attempts) ?? '?'}: ${str(d.error) ?? ''}`;
    case 'agent_completed': {
      const parts = [`Completed${took}`];
      const tokens = num(d.tokens) ?? sum(num(d.input_tokens), num(d.output_tokens));
      if (tokens !== null) parts.push(`${tokens.toLocaleString()} tokens`);
      const cost = num(d.cost_usd);
      if (cost !== null) parts.push(formatUsd(cost));
      return `${parts.join(' · ')}${d.output === undefined ? '' : ` — ${preview(d.output)}`}`;
    }
    case 'script_completed': {
      const exit = num(d.exit_code);
      const out = str(d.stdout);
      return `Exited ${exit ?? '?'}${took}${out ? ` — ${preview(out)}` : ''}`;
    }
    case 'set_completed':
      return `Set${took}${str(d.value_repr) ? ` — ${preview(str(d.value_repr))}` : ''}`;
    case 'subworkflow_completed':
      return `Completed${took}${d.output === undefined ? '' : ` — ${preview(d.output)}`}`;
    case 'gate_presented':
      return `Waiting for a decision: ${preview(str(d.prompt) ?? '')}`;
    case 'gate_resolved': {
      const texts =
        typeof d.additional_input === 'object' && d.additional_input !== null
          ? Object.entries(d.additional_input as Data).filter(([, v]) => v !== '' && v !== null)
          : typeof d.additional_input === 'string' && d.additional_input !== ''
            ? [['text', d.additional_input] as const]
            : [];
      const given = texts.map(([k, v]) => `${k}: ${preview(v, 80)}`).join(', ');
      return `Selected “${str(d.selected_option) ?? '?'}”${str(d.route) ? ` → ${str(d.route)}` : ''}${
        given ? ` — ${given}` : ''
      }`;
    }
    case 'parallel_started': {
      const agents = Array.isArray(d.agents) ? (d.agents as unknown[]).map(String) : [];
      return `parallel group ${str(d.group_name) ?? '?'}: started ${agents.length} member${
        agents.length === 1 ? '' : 's'
      }${agents.length > 0 ? ` (${agents.join(', ')})` : ''}${mode(d)}`;
    }
    case 'for_each_started': {
      const count = num(d.item_count);
      const max = num(d.max_concurrent);
      return `for-each group ${str(d.group_name) ?? '?'}: ${count ?? '?'} item${count === 1 ? '' : 's'}${
        max !== null ? `, ${max} at once` : ''
      }${mode(d)}`;
    }
    case 'parallel_completed':
    case 'for_each_completed': {
      const kind = event.type === 'parallel_completed' ? 'parallel group' : 'for-each group';
      return `${kind} ${str(d.group_name) ?? '?'}: ${num(d.success_count) ?? 0} done, ${
        num(d.failure_count) ?? 0
      } failed${took}`;
    }
    case 'for_each_item_started':
      return `${itemOf(d)} started`;
    case 'for_each_item_completed':
      return `${itemOf(d)} completed${took}${d.output === undefined ? '' : ` — ${preview(d.output)}`}`;
    case 'for_each_item_failed':
      return `${itemOf(d)} failed${took}: ${errorText(d)}`;
    case 'parallel_agent_completed':
      return `${str(d.agent_name) ?? 'member'} completed${took}${d.output === undefined ? '' : ` — ${preview(d.output)}`}`;
    case 'parallel_agent_failed':
      return `${str(d.agent_name) ?? 'member'} failed${took}: ${errorText(d)}`;
    default:
      if (event.type.endsWith('_failed')) return errorText(d);
      return preview(withoutKeys(d, ['agent_name', 'group_name', 'subworkflow_path', 'synthetic']));
  }
}

function mode(d: Data): string {
  const failureMode = str(d.failure_mode);
  return failureMode ? ` · ${failureMode.replaceAll('_', ' ')}` : '';
}

function sum(a: number | null, b: number | null): number | null {
  return a === null && b === null ? null : (a ?? 0) + (b ?? 0);
}

function withoutKeys(data: Data, keys: string[]): Data {
  const copy: Data = {};
  for (const [key, value] of Object.entries(data)) if (!keys.includes(key)) copy[key] = value;
  return copy;
}

export function rowOf(event: ConductorEvent): ActivityRow {
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
    summary: summarize(event),
    synthetic: event.data?.synthetic === true,
    count: 1,
    chars: content?.length ?? 0,
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

/** Appends events to rows (a new array), coalescing streamed chunks. */
export function appendRows(rows: readonly ActivityRow[], events: readonly ConductorEvent[]): ActivityRow[] {
  const next = rows.slice();
  for (const event of events) {
    const last = next[next.length - 1];
    if (continues(last, event)) {
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
      next.push(rowOf(event));
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

export function windowOf(events: readonly ConductorEvent[], hasOlder: boolean): ActivityWindow {
  const rows = appendRows([], events);
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
): ActivityWindow {
  if (window.hasNewer || events.length === 0) return window;
  const rows = appendRows(window.rows, events);
  if (rows.length <= MAX_ROWS) return { ...window, rows };
  if (!following) return { ...window, hasNewer: true };
  return { ...window, rows: rows.slice(rows.length - MAX_ROWS), hasOlder: true };
}

export function prependToWindow(
  window: ActivityWindow,
  older: readonly ConductorEvent[],
  hasOlder: boolean,
): ActivityWindow {
  const first = window.rows[0];
  const fresh = first ? older.filter((e) => e.seq < first.seq) : older;
  const rows = [...appendRows([], fresh), ...window.rows];
  if (rows.length <= MAX_ROWS) return { ...window, rows, hasOlder };
  return { rows: rows.slice(0, MAX_ROWS), hasOlder, hasNewer: true };
}

/** The first seq of the window, for `/api/events?before=`. */
export function oldestSeq(window: ActivityWindow): number | null {
  return window.rows[0]?.seq ?? null;
}
