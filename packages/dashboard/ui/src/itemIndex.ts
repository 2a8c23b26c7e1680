import type { ConductorEvent } from '@conductor/events';
import { preview } from './format';
import { itemLabel } from './workflowView';

/**
 * Every item of a for-each group, read from its item events (the projection keeps only the latest
 * few): what the items list pages through and searches. Pure.
 */

export interface ItemRecord {
  index: number;
  key: string | null;
  /** The start of the item's value (`item_preview` of its start event), for items without a key. */
  preview: string | null;
  label: string;
  status: 'running' | 'completed' | 'failed';
  started_at: number | null;
  finished_at: number | null;
  elapsed: number | null;
  /** One line of its output or its error. */
  result: string | null;
}

type Data = Record<string, unknown>;
const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** Folds the item events of group `name` (at sub-workflow `path`) among `events` into `items`, by index. */
export function collectItems(
  items: Map<number, ItemRecord>,
  events: readonly ConductorEvent[],
  name: string,
  path: readonly string[],
): void {
  const where = path.join('/');
  for (const event of events) {
    if (!event.type.startsWith('for_each_item_')) continue;
    const data: Data = event.data ?? {};
    if (data.group_name !== name || typeof data.index !== 'number') continue;
    const at = Array.isArray(data.subworkflow_path) ? (data.subworkflow_path as string[]).join('/') : '';
    if (at !== where) continue;
    const index = data.index;
    const known = items.get(index);
    const key =
      data.item_key === undefined || data.item_key === null ? (known?.key ?? null) : String(data.item_key);
    const itemPreview = str(data.item_preview) ?? known?.preview ?? null;
    const base: ItemRecord = known ?? {
      index,
      key,
      preview: itemPreview,
      label: '',
      status: 'running',
      started_at: null,
      finished_at: null,
      elapsed: null,
      result: null,
    };
    const next: ItemRecord = { ...base, key, preview: itemPreview };
    if (event.type === 'for_each_item_started') {
      Object.assign(next, {
        status: 'running',
        started_at: event.timestamp,
        finished_at: null,
        result: null,
      });
    } else if (event.type === 'for_each_item_completed') {
      Object.assign(next, {
        status: 'completed',
        finished_at: event.timestamp,
        elapsed: typeof data.elapsed === 'number' ? data.elapsed : null,
        result: data.output === undefined ? null : preview(data.output, 120),
      });
    } else if (event.type === 'for_each_item_failed') {
      const error = [str(data.error_type), str(data.message)].filter(Boolean).join(': ');
      Object.assign(next, {
        status: 'failed',
        finished_at: event.timestamp,
        elapsed: typeof data.elapsed === 'number' ? data.elapsed : null,
        result: error || 'failed',
      });
    } else continue;
    next.label = itemLabel(index, next.key, next.preview);
    items.set(index, next);
  }
}

export interface ItemsPage {
  rows: ItemRecord[];
  /** Items that match the query. */
  matching: number;
  page: number;
  pages: number;
}

export const ITEMS_PER_PAGE = 25;

/** The items that say `query` (label, index, status or result), by index, cut to page `page` (0-based). */
export function itemsPage(
  items: ReadonlyMap<number, ItemRecord>,
  query: string,
  page: number,
  size = ITEMS_PER_PAGE,
): ItemsPage {
  const needle = query.trim().toLowerCase();
  const all = [...items.values()].sort((a, b) => a.index - b.index);
  const matching =
    needle === ''
      ? all
      : all.filter((item) =>
          [item.label, item.status, item.result ?? ''].some((text) => text.toLowerCase().includes(needle)),
        );
  const pages = Math.max(1, Math.ceil(matching.length / size));
  const at = Math.min(Math.max(0, page), pages - 1);
  return { rows: matching.slice(at * size, (at + 1) * size), matching: matching.length, page: at, pages };
}
