import { afterEach, describe, expect, it } from 'vitest';
import { type PostgresStore, postgresStore } from './index.js';
import { events, freshSchemaUrl } from './testing/helpers.js';

const stores: PostgresStore[] = [];
const open = (url: string) => {
  const store = postgresStore(url, { pollMs: 200 });
  stores.push(store);
  return store;
};
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

async function expiresAt(store: PostgresStore, runId: string): Promise<number> {
  const { rows } = await store.pool.query(`SELECT expires_at FROM ${store.schema}.leases WHERE run_id = $1`, [
    runId,
  ]);
  return (rows[0].expires_at as Date).getTime();
}

describe('leases and fencing', () => {
  it('a stalled owner whose lease expired and was taken over cannot append: its write fails and nothing of it is stored', async () => {
    const url = freshSchemaUrl();
    const a = open(url);
    const b = open(url);
    const stalled = await a.claim('run-1', { purpose: 'run', ttlMs: 300, autoRenew: false });
    await a.append(stalled, events(1, 3));
    // B keeps trying until A's lease has expired by the database's clock.
    const next = await expect
      .poll(() => b.claim('run-1', { purpose: 'resume', ttlMs: 60_000 }).catch(() => null), {
        timeout: 10_000,
      })
      .not.toBeNull();
    void next;
    const taken = await b.claim('run-1', { purpose: 'again' }).catch((error: { code: string }) => error);
    expect(taken).toMatchObject({ code: 'CONDUCTOR_RUN_OWNED' });
    await expect(a.append(stalled, events(4, 2))).rejects.toMatchObject({ code: 'CONDUCTOR_LEASE_LOST' });
    expect(stalled.lost).toBe(true);
    await expect(stalled.renew()).rejects.toMatchObject({ code: 'CONDUCTOR_LEASE_LOST' });
    expect(await b.lastSeq('run-1')).toBe(3);
  });

  it('the new owner continues the seq the old one left, and the generation is the fencing token', async () => {
    const url = freshSchemaUrl();
    const a = open(url);
    const b = open(url);
    const first = await a.claim('run-2', { purpose: 'run', ttlMs: 200, autoRenew: false });
    await a.append(first, events(1, 2));
    let second: Awaited<ReturnType<PostgresStore['claim']>> | null = null;
    await expect
      .poll(
        async () => {
          second = await b.claim('run-2', { purpose: 'resume' }).catch(() => null);
          return second;
        },
        { timeout: 10_000 },
      )
      .not.toBeNull();
    const lease = second as unknown as Awaited<ReturnType<PostgresStore['claim']>>;
    expect(lease.generation).toBe(first.generation + 1);
    await b.append(lease, events(3, 2));
    await expect(a.append(first, events(3, 1))).rejects.toMatchObject({ code: 'CONDUCTOR_LEASE_LOST' });
    expect((await b.readPage('run-2', { limit: 10 })).events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    await lease.release();
  });

  it('renews a held lease on its own, so a live owner keeps the run past its first ttl', async () => {
    const url = freshSchemaUrl();
    const a = open(url);
    const b = open(url);
    const lease = await a.claim('run-3', { purpose: 'run', ttlMs: 600 });
    const first = await expiresAt(a, 'run-3');
    await expect.poll(() => expiresAt(a, 'run-3'), { timeout: 10_000 }).toBeGreaterThan(first + 300);
    await expect(b.claim('run-3', { purpose: 'resume' })).rejects.toMatchObject({
      code: 'CONDUCTOR_RUN_OWNED',
    });
    await a.append(lease, events(1, 1));
    await lease.release();
    await expect(b.claim('run-3', { purpose: 'resume' })).resolves.toMatchObject({ generation: 2 });
  });

  it('of many claimants at once, exactly one gets the run', async () => {
    const url = freshSchemaUrl();
    const handles = Array.from({ length: 6 }, () => open(url));
    await handles[0]?.migrate();
    const results = await Promise.allSettled(handles.map((s) => s.claim('run-4', { purpose: 'resume' })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results)
      if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'CONDUCTOR_RUN_OWNED' });
  });
});
