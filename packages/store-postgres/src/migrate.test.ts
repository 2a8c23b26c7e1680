import { afterEach, describe, expect, it } from 'vitest';
import { type PostgresStore, postgresStore, SCHEMA_VERSION } from './index.js';
import { events, freshSchemaUrl } from './testing/helpers.js';

const stores: PostgresStore[] = [];
const open = (url: string, autoMigrate = true) => {
  const store = postgresStore(url, { autoMigrate });
  stores.push(store);
  return store;
};
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

async function indexes(store: PostgresStore): Promise<string[]> {
  const { rows } = await store.pool.query(
    'SELECT indexname FROM pg_indexes WHERE schemaname = $1 ORDER BY 1',
    [store.schema],
  );
  return rows.map((row) => row.indexname as string);
}

describe('schema migrations', () => {
  it('creates the schema on an empty database, and a second migrate changes nothing', async () => {
    const store = open(freshSchemaUrl());
    expect(await store.migrate()).toEqual({ from: 0, to: SCHEMA_VERSION });
    expect(await store.migrate()).toEqual({ from: SCHEMA_VERSION, to: SCHEMA_VERSION });
    expect(await indexes(store)).toEqual(
      expect.arrayContaining(['events_pkey', 'runs_updated_at', 'checkpoints_run']),
    );
  });

  it('applies itself on first use', async () => {
    const store = open(freshSchemaUrl());
    const lease = await store.claim('run-1', { purpose: 'run' });
    await store.append(lease, events(1, 2));
    expect(await store.migrate()).toEqual({ from: SCHEMA_VERSION, to: SCHEMA_VERSION });
  });

  it('upgrades a database of the previous version, keeping its runs', async () => {
    const url = freshSchemaUrl();
    const old = open(url, false);
    expect(await old.migrateTo(SCHEMA_VERSION - 1)).toEqual({ from: 0, to: SCHEMA_VERSION - 1 });
    const lease = await old.claim('run-old', { purpose: 'run' });
    await old.append(lease, events(1, 3));
    await lease.release();
    expect(await indexes(old)).not.toContain('runs_updated_at');
    const current = open(url);
    expect(await current.migrate()).toEqual({ from: SCHEMA_VERSION - 1, to: SCHEMA_VERSION });
    expect((await current.readPage('run-old', { limit: 10 })).events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(await indexes(current)).toContain('runs_updated_at');
  });

  it('several processes migrating an empty database at once: one applies it, all succeed', async () => {
    const url = freshSchemaUrl();
    const results = await Promise.all(Array.from({ length: 5 }, () => open(url).migrate()));
    expect(results.filter((r) => r.from === 0)).toHaveLength(1);
    expect(results.every((r) => r.to === SCHEMA_VERSION)).toBe(true);
  });
});
