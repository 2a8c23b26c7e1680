import type { ResumeMark } from '@conductor/events';
import type { ActivityRow, ActivityWindow, Category } from './activity';

/** The activity stream's list, and where each entry sits (pure: the virtualized view draws it). */

export type Item =
  | { kind: 'older'; key: string }
  | { kind: 'divider'; key: string; mark: ResumeMark }
  | { kind: 'row'; key: string; row: ActivityRow };

/** Height of each kind of entry, in pixels. */
export const SIZE: Record<Item['kind'], number> = { older: 36, divider: 40, row: 30 };

/** What the stream shows of its filters. */
export interface ActivityFilter {
  /** A step's (or group's) key: its rows, its sub-workflow's, its members' and items'. */
  step: string | null;
  /** A sub-workflow's parent path: only its events (and its own sub-workflows'). */
  path: string | null;
  hidden: ReadonlySet<Category>;
  /** Text to find in a row's summary, type or step (any case); empty or absent: every row. */
  query?: string;
}

/**
 * The list the stream draws: the rows that pass the filters, a divider where each resume inside the
 * window began, and "load older" on top when there is more.
 */
export function itemsOf(
  activity: ActivityWindow,
  resumes: readonly ResumeMark[],
  { step, path, hidden, query = '' }: ActivityFilter,
): Item[] {
  const needle = query.trim().toLowerCase();
  const items: Item[] = [];
  if (activity.hasOlder) items.push({ kind: 'older', key: 'older' });
  const rows = activity.rows;
  const first = rows[0];
  const last = rows[rows.length - 1];
  if (!first || !last) return items;
  // Only the resumes whose first event is inside this window get a divider here.
  const marks = resumes.filter((m) => m.seq >= first.seq && m.seq <= last.lastSeq);
  let next = 0;
  for (const row of rows) {
    if (step !== null && !rowOfStep(row, step)) continue;
    if (path !== null && row.path !== path && !row.path.startsWith(`${path}/`)) continue;
    if (hidden.has(row.category)) continue;
    if (needle !== '' && !rowMatches(row, needle)) continue;
    while (next < marks.length && (marks[next] as ResumeMark).seq <= row.seq) {
      const mark = marks[next++] as ResumeMark;
      items.push({ kind: 'divider', key: `resume-${mark.seq}`, mark });
    }
    items.push({ kind: 'row', key: String(row.seq), row });
  }
  for (; next < marks.length; next++) {
    const mark = marks[next] as ResumeMark;
    items.push({ kind: 'divider', key: `resume-${mark.seq}`, mark });
  }
  return items;
}

/** Whether a row says `needle` (lower case) in its summary, type or step. */
export function rowMatches(row: ActivityRow, needle: string): boolean {
  return (
    row.summary.toLowerCase().includes(needle) ||
    row.type.toLowerCase().includes(needle) ||
    (row.step?.toLowerCase().includes(needle) ?? false)
  );
}

/** The step's own rows, its sub-workflow's, and for a group its members' and items'. */
function rowOfStep(row: ActivityRow, step: string): boolean {
  if (row.step === step || row.group === step) return true;
  const prefix = `${step}/`;
  return row.step?.startsWith(prefix) === true || row.path === step || row.path.startsWith(prefix);
}

/** Where the item `key` starts in the list, or null when it is not there. */
export function startOf(items: readonly Item[], key: string): number | null {
  let offset = 0;
  for (const item of items) {
    if (item.key === key) return offset;
    offset += SIZE[item.kind];
  }
  return null;
}

/** The item at `offset` pixels from the top of the list, with its start. */
export function itemAt(items: readonly Item[], offset: number): { key: string; start: number } | null {
  let start = 0;
  for (const item of items) {
    const end = start + SIZE[item.kind];
    if (offset < end) return { key: item.key, start };
    start = end;
  }
  return null;
}
