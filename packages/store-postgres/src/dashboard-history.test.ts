import { runStoreHistory } from '@conductor/dashboard';
import { afterEach, describe, expect, it } from 'vitest';
import { type PostgresStore, postgresStore } from './index.js';
import { events, freshSchemaUrl } from './testing/helpers.js';

const stores: PostgresStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

describe('a dashboard history over the PostgreSQL store', () => {
  it('pages both ways and follows what another machine appends (LISTEN/NOTIFY)', async () => {
    const url = freshSchemaUrl();
    const writer = postgresStore(url);
    // A long poll: only a notification delivers the later events within the test's wait.
    const reader = postgresStore(url, { pollMs: 60_000 });
    stores.push(writer, reader);
    const lease = await writer.claim('run-d', { purpose: 'run' });
    await writer.append(lease, events(1, 10));
    const history = runStoreHistory(reader, 'run-d');
    expect((await history.page({ after: 2, limit: 3 })).events.map((e) => e.seq)).toEqual([3, 4, 5]);
    const before = await history.page({ before: 9, limit: 3 });
    expect(before.events.map((e) => e.seq)).toEqual([6, 7, 8]);
    expect(before.hasMore).toBe(true);
    const seen: number[] = [];
    const tail = history.tail?.(8, {
      events: (batch) => void seen.push(...batch.map((e) => e.seq)),
      error: () => {},
    });
    await expect.poll(() => seen).toEqual([9, 10]);
    await writer.append(lease, events(11, 2));
    await expect.poll(() => seen, { timeout: 5000 }).toEqual([9, 10, 11, 12]);
    tail?.close();
  });
});
