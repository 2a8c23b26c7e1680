import type { Checkpoint } from '@conductor/checkpoint';
import type { ConductorEvent } from '@conductor/events';
import type { RunClaim, RunRecord } from '@conductor/run-folder';
import { copyRun, filesLease, filesStore, type Lease, type RunStore } from '@conductor/store';

/**
 * A run kept in a shared store (`--store postgres://…`) as well as in `$CONDUCTOR_HOME`. The store is
 * the truth and the one place ownership is decided: the run is claimed there first (a lease whose
 * generation fences every append), then its history is brought into the local home, and the engine
 * runs on the local files as it does alone. Every event it logs goes to the store too, one step's
 * events in one append at each step boundary; checkpoints and the run record follow.
 */
export interface SharedStore {
  readonly store: RunStore;
  /** Whether the store knows the run (a record or events). */
  has(runId: string): Promise<boolean>;
  /** Claims the run in the store; `onLost` is told if another owner takes it over later. */
  claim(runId: string, purpose: string, onLost: (error: Error) => void): Promise<void>;
  /** Copies the store's copy of the run into the home, under the local claim just made. */
  hydrate(claim: RunClaim, home: string): Promise<void>;
  /** Queues an event the local log just took. */
  track(event: ConductorEvent): void;
  /** Appends what was queued (a step's events) in one call. Rejects with CONDUCTOR_LEASE_LOST once fenced off. */
  flush(): Promise<void>;
  saveCheckpoint(checkpoint: Checkpoint): Promise<void>;
  writeRecord(record: RunRecord): Promise<void>;
  /** Flushes and lets go of the lease. */
  release(): Promise<void>;
}

export function createSharedStore(store: RunStore): SharedStore {
  let lease: Lease | null = null;
  let queued: ConductorEvent[] = [];
  let flushing: Promise<void> = Promise.resolve();

  return {
    store,
    async has(runId) {
      return (await store.readRunRecord(runId)) !== null || (await store.lastSeq(runId)) > 0;
    },
    async claim(runId, purpose, onLost) {
      lease = await store.claim(runId, { purpose, onLost });
    },
    async hydrate(claim, home) {
      const local = filesStore({ home });
      try {
        await copyRun(store, local, claim.runId, filesLease(claim, home));
      } finally {
        await local.close();
      }
    },
    track(event) {
      if (lease) queued.push(event);
    },
    flush() {
      // One append at a time, in order: a boundary's batch never overtakes the one before it.
      flushing = flushing.then(async () => {
        if (!lease || queued.length === 0) return;
        const batch = queued;
        queued = [];
        await store.append(lease, batch);
      });
      return flushing;
    },
    async saveCheckpoint(checkpoint) {
      await this.flush();
      if (lease) await store.saveCheckpoint(lease, checkpoint);
    },
    async writeRecord(record) {
      if (lease && !lease.lost) await store.writeRunRecord(record);
    },
    async release() {
      const held = lease;
      if (!held) return;
      try {
        if (!held.lost) await this.flush();
      } finally {
        lease = null;
        await held.release();
      }
    },
  };
}
