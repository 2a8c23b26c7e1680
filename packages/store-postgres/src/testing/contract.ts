import type { RunStore } from '@conductor/store';
import { afterEach, describe, expect, it } from 'vitest';
import { checkpoint, event, events, record, take } from './helpers.js';

export interface ContractSubject {
  /** A new, empty store. */
  open(): Promise<RunStore>;
  /** A second handle on the same store, as another process or machine would open it. */
  reopen(store: RunStore): Promise<RunStore>;
}

/** What every store does, run against each implementation. */
export function storeContract(name: string, subject: ContractSubject): void {
  describe(`store contract: ${name}`, () => {
    const opened: RunStore[] = [];
    const open = async () => {
      const store = await subject.open();
      opened.push(store);
      return store;
    };
    const reopen = async (store: RunStore) => {
      const other = await subject.reopen(store);
      opened.push(other);
      return other;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });

    it('appends the owner-numbered events of a step and reads them back in pages', async () => {
      const store = await open();
      const lease = await store.claim('run-a', { purpose: 'run' });
      await store.append(lease, events(1, 3));
      await store.append(lease, events(4, 4));
      expect(await store.lastSeq('run-a')).toBe(7);
      const first = await store.readPage('run-a', { limit: 5 });
      expect(first.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(first.hasMore).toBe(true);
      const second = await store.readPage('run-a', { afterSeq: 5, limit: 5 });
      expect(second.events.map((e) => e.seq)).toEqual([6, 7]);
      expect(second.hasMore).toBe(false);
      expect(second.events[0]).toEqual(event(6));
    });

    it('refuses a batch that would leave a gap or repeat a seq, writing none of it', async () => {
      const store = await open();
      const lease = await store.claim('run-gap', { purpose: 'run' });
      await store.append(lease, events(1, 2));
      await expect(store.append(lease, [event(3), event(5)])).rejects.toMatchObject({
        code: 'CONDUCTOR_STORE_SEQ',
      });
      await expect(store.append(lease, [event(2)])).rejects.toMatchObject({ code: 'CONDUCTOR_STORE_SEQ' });
      expect((await store.readPage('run-gap', { limit: 10 })).events.map((e) => e.seq)).toEqual([1, 2]);
    });

    it('reads nothing of a run it does not have', async () => {
      const store = await open();
      expect(await store.readPage('nobody', { limit: 10 })).toEqual({ events: [], hasMore: false });
      expect(await store.lastSeq('nobody')).toBe(0);
      expect(await store.readRunRecord('nobody')).toBeNull();
      expect(await store.listCheckpoints('nobody')).toEqual([]);
    });

    it('follows a run from a seq: what is there, then what another handle appends', async () => {
      const store = await open();
      const lease = await store.claim('run-f', { purpose: 'run' });
      await store.append(lease, events(1, 3));
      const reader = await reopen(store);
      const controller = new AbortController();
      const seen: number[] = [];
      const following = (async () => {
        for await (const e of reader.follow('run-f', { afterSeq: 1, signal: controller.signal })) {
          seen.push(e.seq);
          if (e.seq === 6) controller.abort();
        }
      })();
      await expect.poll(() => seen).toEqual([2, 3]);
      await store.append(lease, events(4, 3));
      await following;
      expect(seen).toEqual([2, 3, 4, 5, 6]);
    });

    it('saves, lists (newest first) and loads checkpoints', async () => {
      const store = await open();
      const lease = await store.claim('run-c', { purpose: 'run' });
      const first = await store.saveCheckpoint(lease, checkpoint('run-c', { current_step: 'planner' }));
      const second = await store.saveCheckpoint(
        lease,
        checkpoint('run-c', { current_step: 'coder', last_seq: 9 }),
      );
      const listed = await store.listCheckpoints('run-c');
      expect(listed.map((c) => c.path)).toEqual([second, first]);
      expect(listed[0]).toMatchObject({
        run_id: 'run-c',
        current_step: 'coder',
        last_seq: 9,
        trigger: 'failure',
      });
      const other = await reopen(store);
      expect(await other.loadCheckpoint(second)).toEqual(
        checkpoint('run-c', { current_step: 'coder', last_seq: 9 }),
      );
    });

    it('writes, reads and lists run records, the latest update first', async () => {
      const store = await open();
      await store.writeRunRecord(record('run-1'));
      await store.writeRunRecord(record('run-2'));
      await store.writeRunRecord(record('run-1', { status: 'completed' }));
      expect(await store.readRunRecord('run-1')).toMatchObject({ run_id: 'run-1', status: 'completed' });
      const listed = await (await reopen(store)).listRuns();
      expect(listed.map((r) => r.run_id)).toEqual(['run-1', 'run-2']);
    });

    it('has one owner per run: a second claim fails with CONDUCTOR_RUN_OWNED until the first is released', async () => {
      const store = await open();
      const lease = await store.claim('run-o', { purpose: 'run' });
      const other = await reopen(store);
      await expect(other.claim('run-o', { purpose: 'resume' })).rejects.toMatchObject({
        code: 'CONDUCTOR_RUN_OWNED',
      });
      await lease.release();
      const next = await other.claim('run-o', { purpose: 'resume' });
      expect(next.generation).toBe(lease.generation + 1);
      await expect(store.append(lease, events(1, 1))).rejects.toMatchObject({ code: 'CONDUCTOR_LEASE_LOST' });
      await other.append(next, events(1, 2));
      expect(await take(other.follow('run-o', { signal: AbortSignal.timeout(5000) }), 2)).toEqual(
        events(1, 2),
      );
      await next.release();
    });

    it('says who owns a run (any handle), and nobody once it is released', async () => {
      const store = await open();
      expect(await store.owner('run-w')).toBeNull();
      const lease = await store.claim('run-w', { purpose: 'resume' });
      const other = await reopen(store);
      expect(await other.owner('run-w')).toMatchObject({
        generation: lease.generation,
        pid: process.pid,
        purpose: 'resume',
      });
      await lease.release();
      expect(await other.owner('run-w')).toBeNull();
    });

    it('deletes a run nobody owns, and refuses (CONDUCTOR_RUN_OWNED) while one does', async () => {
      const store = await open();
      const lease = await store.claim('run-del', { purpose: 'run' });
      await store.append(lease, events(1, 2));
      await store.saveCheckpoint(lease, checkpoint('run-del'));
      await store.writeRunRecord(record('run-del'));
      const other = await reopen(store);
      await expect(other.deleteRun('run-del')).rejects.toMatchObject({ code: 'CONDUCTOR_RUN_OWNED' });
      expect(await other.lastSeq('run-del')).toBe(2);
      await lease.release();
      await other.deleteRun('run-del');
      expect(await store.lastSeq('run-del')).toBe(0);
      expect(await store.readRunRecord('run-del')).toBeNull();
      expect(await store.listCheckpoints('run-del')).toEqual([]);
      expect((await store.listRuns()).map((r) => r.run_id)).not.toContain('run-del');
      // Its id can be used again.
      const again = await store.claim('run-del', { purpose: 'run' });
      await store.append(again, events(1, 1));
      await again.release();
    });
  });
}
