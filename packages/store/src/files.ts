import { rm } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import {
  type Checkpoint,
  type CheckpointSummary,
  listCheckpoints,
  loadCheckpoint,
  saveCheckpoint,
} from '@conductor/checkpoint';
import {
  EventLogNotFoundError,
  type EventLogWriter,
  eventLogPath,
  lastSeqOf,
  openEventLog,
  readAppended,
  readEventPage,
} from '@conductor/event-log';
import {
  claimRun,
  conductorHome,
  errnoCode,
  listRunRecords,
  type RunClaim,
  type RunRecord,
  readOwner,
  readRunRecord,
  runDir,
  writeRunRecord,
} from '@conductor/run-folder';
import { LeaseLostError, StoreSeqError } from './errors.js';
import type { Lease, RunStore } from './types.js';

export interface FilesStoreOptions {
  /** `$CONDUCTOR_HOME`. Default: from the environment, else ~/.conductor. */
  home?: string;
  /** How often `follow` looks for new lines. Default 250 ms. */
  pollMs?: number;
}

/**
 * Today's layout under `$CONDUCTOR_HOME`, behind the store interface: every operation delegates to the
 * module that owns it (the event-log writer and reader, checkpoint, run-folder's claims and run.json).
 * Ownership is run-folder's claim: a live owner is recognised by pid and start time, so a lease needs
 * no renewal; an append checks that the lease's claim is still the newest.
 */
export function filesStore(options: FilesStoreOptions = {}): RunStore {
  const home = options.home ?? conductorHome();
  const pollMs = options.pollMs ?? 250;
  const writers = new Map<string, EventLogWriter>();

  async function writerFor(runId: string): Promise<EventLogWriter> {
    let writer = writers.get(runId);
    if (!writer || writer.closed) {
      writer = await openEventLog(eventLogPath(runId, home));
      writers.set(runId, writer);
    }
    return writer;
  }

  async function closeWriter(runId: string): Promise<void> {
    const writer = writers.get(runId);
    writers.delete(runId);
    if (writer && !writer.closed) await writer.close();
  }

  return {
    kind: 'files',
    location: home,
    async migrate() {
      return { from: 1, to: 1 };
    },
    async append(lease, events) {
      if (events.length === 0) return;
      if (lease.lost) throw new LeaseLostError(lease.runId, lease.generation, 'was lost earlier');
      const owner = await readOwner(lease.runId, { home });
      if (!owner || owner.claim.generation !== lease.generation || owner.claim.releasedAt) {
        throw new LeaseLostError(
          lease.runId,
          lease.generation,
          owner ? `was followed by generation ${owner.claim.generation}` : 'is gone',
        );
      }
      const writer = await writerFor(lease.runId);
      let last = writer.lastSeq;
      for (const event of events) {
        if (event.seq !== last + 1) throw new StoreSeqError(lease.runId, event.seq, last);
        last = event.seq;
      }
      for (const event of events) writer.append(event);
    },
    async readPage(runId, page) {
      try {
        return await readEventPage(eventLogPath(runId, home), page);
      } catch (error) {
        if (error instanceof EventLogNotFoundError) return { events: [], hasMore: false };
        throw error;
      }
    },
    async lastSeq(runId) {
      const writer = writers.get(runId);
      if (writer && !writer.closed) return writer.lastSeq;
      try {
        return await lastSeqOf(eventLogPath(runId, home));
      } catch (error) {
        if (error instanceof EventLogNotFoundError || errnoCode(error) === 'ENOENT') return 0;
        throw error;
      }
    },
    follow(runId, { afterSeq = 0, signal }) {
      const path = eventLogPath(runId, home);
      return {
        async *[Symbol.asyncIterator]() {
          let last = afterSeq;
          let from: Parameters<typeof readAppended>[1]['from'];
          while (!signal.aborted) {
            let read: Awaited<ReturnType<typeof readAppended>> | null = null;
            try {
              read = await readAppended(path, { from, afterSeq: last, limit: 500 });
            } catch (error) {
              if (!(error instanceof EventLogNotFoundError)) throw error;
            }
            if (read) {
              from = read.next;
              for (const event of read.events) {
                last = event.seq;
                yield event;
              }
              if (read.more) continue;
            }
            await delay(pollMs, undefined, { signal }).catch(() => {});
          }
        },
      };
    },
    async saveCheckpoint(_lease, checkpoint: Checkpoint) {
      return saveCheckpoint(checkpoint, { home });
    },
    async listCheckpoints(runId): Promise<CheckpointSummary[]> {
      return (await listCheckpoints({ home, runId })).checkpoints;
    },
    loadCheckpoint(ref) {
      return loadCheckpoint(ref);
    },
    async writeRunRecord(record: RunRecord) {
      await writeRunRecord(record, { home });
    },
    readRunRecord(runId) {
      return readRunRecord(runId, { home });
    },
    async listRuns(list = {}) {
      const records = await listRunRecords({ home });
      return list.limit === undefined ? records : records.slice(0, list.limit);
    },
    async claim(runId, claimOptions): Promise<Lease> {
      const claim = await claimRun(runId, { home, purpose: claimOptions.purpose });
      return filesLease(claim, home, () => closeWriter(runId));
    },
    async owner(runId) {
      const owner = await readOwner(runId, { home });
      // `unknown`: a claim made on another host, which this one cannot check: taken as held.
      if (!owner || (owner.state !== 'alive' && owner.state !== 'unknown')) return null;
      const { claim } = owner;
      return {
        generation: claim.generation,
        host: claim.owner.host,
        pid: claim.owner.pid,
        purpose: claim.purpose,
        since: claim.since,
      };
    },
    async deleteRun(runId) {
      // Claimed first, so a live owner refuses it (CONDUCTOR_RUN_OWNED) and no one claims it meanwhile.
      await claimRun(runId, { home, purpose: 'delete' });
      await closeWriter(runId);
      await rm(runDir(runId, home), { recursive: true, force: true });
    },
    async close() {
      await Promise.all([...writers.keys()].map((runId) => closeWriter(runId)));
    },
  };
}

/**
 * A run-folder claim as a store lease: for code that claimed the run itself (the engine's recorder) and
 * writes through the files store. `beforeRelease` runs first when it is released.
 */
export function filesLease(claim: RunClaim, home: string, beforeRelease?: () => Promise<void>): Lease {
  const { runId, generation } = claim;
  let lost = false;
  return {
    runId,
    generation,
    get lost() {
      return lost;
    },
    async renew() {
      const owner = await readOwner(runId, { home });
      if (!owner || owner.claim.generation !== generation) {
        lost = true;
        throw new LeaseLostError(runId, generation, 'was followed by another claim');
      }
    },
    async release() {
      await beforeRelease?.();
      await claim.release();
    },
  };
}
