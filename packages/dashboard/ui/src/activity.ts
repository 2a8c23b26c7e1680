import { type ConductorEvent, type EventSubject, eventKindOf } from '@conductor/events';
import {
  type Data,
  errorText,
  isItemEvent,
  KEPT_TEXT,
  type RunTiming,
  str,
  summarizeIn,
} from './activitySummary';

export type { RunTiming } from './activitySummary';
export { runTimesText, summarize, summarizeIn } from './activitySummary';

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
