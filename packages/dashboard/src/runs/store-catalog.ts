import { hostname } from 'node:os';
import { createRunSummaryFold, type RunSummaryFold } from '@conductor/events';
import type { RunStore, StoredOwner } from '@conductor/store';
import type { RunListEntry } from '../runs-protocol.js';
import type { RunOwnership } from '../server/ownership.js';
import { runStoreHistory } from '../server/run-store-history.js';
import type { RunCatalog } from './catalog.js';
import { type RunOwnerView, runListEntry } from './entry.js';

/** Events read per call while catching a run up: bounded memory however long the run. */
const READ_BATCH = 2000;

interface Followed {
  fold: RunSummaryFold;
  lastSeq: number;
}

/**
 * The runs of a RunStore (PostgreSQL: every machine's runs): listed from `store.listRuns()`, each row
 * derived by `runListEntry` from the run's summary fold (its events, read once and then only the new
 * ones), its owner (the store's lease) and its record. A run's page follows its events in the store.
 */
export function storeCatalog(store: RunStore): RunCatalog {
  const followed = new Map<string, Followed>();
  const here = hostname();

  async function summaryOf(runId: string) {
    let entry = followed.get(runId);
    if (!entry) {
      entry = { fold: createRunSummaryFold(), lastSeq: 0 };
      followed.set(runId, entry);
    }
    for (;;) {
      const page = await store.readPage(runId, { afterSeq: entry.lastSeq, limit: READ_BATCH });
      for (const event of page.events) entry.fold.apply(event);
      entry.lastSeq = page.events.at(-1)?.seq ?? entry.lastSeq;
      if (!page.hasMore) break;
    }
    return entry.fold.summary();
  }

  function ownerView(owner: StoredOwner | null): RunOwnerView {
    if (!owner) return { state: 'gone' };
    // A live lease is a live owner (it renews it). Its host is always named: a browser of the store
    // controls no owner's process, on this machine or another, so the page offers no Stop for it.
    return { state: 'unknown', pid: owner.pid, host: owner.host, since: owner.since };
  }

  return {
    location: store.location,
    async list(): Promise<RunListEntry[]> {
      const records = await store.listRuns();
      const now = Date.now() / 1000;
      const entries = await Promise.all(
        records.map(async (record) => {
          const [summary, owner] = await Promise.all([summaryOf(record.run_id), store.owner(record.run_id)]);
          return runListEntry(
            record.run_id,
            summary,
            ownerView(owner),
            {
              workflow_name: record.workflow_name,
              workflow_path: record.workflow_path,
              started_at: record.started_at,
              // An owner's dashboard listens on its own machine's loopback: never reachable from here.
              dashboard: false,
            },
            now,
          );
        }),
      );
      const listed = new Set(records.map((record) => record.run_id));
      for (const runId of followed.keys()) if (!listed.has(runId)) followed.delete(runId);
      return entries.sort(
        (a, b) => (b.started_at ?? 0) - (a.started_at ?? 0) || a.run_id.localeCompare(b.run_id),
      );
    },
    history: (runId) => runStoreHistory(store, runId),
    ownership: (runId) => async (): Promise<RunOwnership> => {
      const owner = await store.owner(runId);
      if (!owner) return { owner: 'none' };
      return {
        owner: owner.host === here && owner.pid === process.pid ? 'this-process' : 'other-process',
        pid: owner.pid,
        ...(owner.host === here ? {} : { host: owner.host }),
        since: owner.since,
      };
    },
    async has(runId) {
      return (await store.readRunRecord(runId)) !== null || (await store.lastSeq(runId)) > 0;
    },
  };
}
