import type { ConductorEvent } from '@conductor/events';
import { describe, expect, it } from 'vitest';
import { collectItems, type ItemRecord, itemsPage } from './itemIndex';

let seq = 0;
const ev = (type: string, data: Record<string, unknown>): ConductorEvent => ({
  seq: ++seq,
  type,
  timestamp: 1000 + seq,
  data,
});

describe('the for-each items list', () => {
  const events: ConductorEvent[] = [];
  for (let index = 0; index < 60; index++) {
    const item = { group_name: 'each', index, item_key: String(index) };
    events.push(ev('for_each_item_started', { ...item, item_preview: `city ${index}` }));
    if (index === 7)
      events.push(ev('for_each_item_failed', { ...item, error_type: 'Boom', message: 'no map' }));
    else if (index < 58)
      events.push(ev('for_each_item_completed', { ...item, elapsed: 1, output: `ok ${index}` }));
  }
  // Another group's items, and one of the same name inside a sub-workflow, are not this group's.
  events.push(ev('for_each_item_started', { group_name: 'other', index: 0 }));
  events.push(ev('for_each_item_started', { group_name: 'each', index: 99, subworkflow_path: ['child'] }));
  const items = new Map<number, ItemRecord>();
  collectItems(items, events, 'each', []);

  it('knows every item of the group, labelled by its value when it has no key', () => {
    expect(items.size).toBe(60);
    expect(items.get(3)).toMatchObject({ label: 'item 3 (city 3)', status: 'completed', result: 'ok 3' });
    expect(items.get(7)).toMatchObject({ status: 'failed', result: 'Boom: no map' });
    expect(items.get(59)).toMatchObject({ status: 'running', finished_at: null });
  });

  it('pages them 25 at a time, in index order', () => {
    expect(itemsPage(items, '', 0)).toMatchObject({ matching: 60, page: 0, pages: 3 });
    expect(itemsPage(items, '', 2).rows.map((r) => r.index)).toEqual(
      Array.from({ length: 10 }, (_, i) => 50 + i),
    );
    expect(itemsPage(items, '', 9).page).toBe(2);
  });

  it('finds items by label, status or result', () => {
    expect(itemsPage(items, 'city 4', 0).rows.map((r) => r.index)).toEqual([
      4, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49,
    ]);
    expect(itemsPage(items, 'FAILED', 0).rows.map((r) => r.index)).toEqual([7]);
    expect(itemsPage(items, 'running', 0).rows.map((r) => r.index)).toEqual([58, 59]);
  });
});
