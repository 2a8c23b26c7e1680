import { stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { readAppended } from '@conductor/event-log';
import { createRunSummaryFold, type RunSummaryFold } from '@conductor/events';
import {
  conductorHome,
  eventLogPath,
  listRunIds,
  type OwnerStatus,
  processState,
  readOwner,
  readRunRecord,
  recordedProcess,
  runDir,
} from '@conductor/run-folder';
import type { RunListEntry } from '../runs-protocol.js';
import { type HistoryStore, jsonlStore } from '../server/history.js';
import type { OwnershipSource } from '../server/ownership.js';
import { type RunOwnerView, runListEntry } from './entry.js';

/**
 * Where runs are kept, as the run list needs them: list them, read and follow one run's history, say who
 * owns it. `folderCatalog` reads `$CONDUCTOR_HOME/runs/<id>/` (events.jsonl, claims/, run.json); another
 * store (a database) implements the same four functions.
 */
export interface RunCatalog {
  /** Every run, newest first, with the numbers of the list. */
  list(): Promise<RunListEntry[]>;
  /** The run's whole history, followed as it grows whoever writes it. */
  history(runId: string): HistoryStore;
  /** Who owns the run now. */
  ownership(runId: string): OwnershipSource;
  /** The run exists in this catalog. */
  has(runId: string): Promise<boolean>;
  /** Its stored outputs (texts over the output cap), if the catalog keeps them in a folder. */
  outputsDir?(runId: string): string;
  /** Where it lives, for people (`$CONDUCTOR_HOME`). */
  readonly location: string | null;
}

export interface FolderCatalogOptions {
  /** `$CONDUCTOR_HOME`. Default: from the environment, else ~/.conductor. */
  home?: string;
}

interface Followed {
  fold: RunSummaryFold;
  next: Parameters<typeof readAppended>[1]['from'];
  size: number;
  mtimeMs: number;
}

/** Events read per call while catching a log up: bounded memory however long the log. */
const READ_BATCH = 2000;

/**
 * The runs under `$CONDUCTOR_HOME`. Each log is folded once, then only the lines appended since are
 * read (the size and mtime say when), so listing often costs little however long the runs are.
 */
export function folderCatalog(options: FolderCatalogOptions = {}): RunCatalog {
  const home = options.home ?? conductorHome();
  const followed = new Map<string, Followed>();

  async function summaryOf(runId: string) {
    const path = eventLogPath(runId, home);
    const info = await stat(path).catch(() => null);
    let entry = followed.get(runId);
    if (!info) {
      followed.delete(runId);
      return createRunSummaryFold().summary();
    }
    // Cut short or replaced: read it again from its start.
    if (entry && info.size < entry.size) entry = undefined;
    if (!entry) {
      entry = { fold: createRunSummaryFold(), next: undefined, size: 0, mtimeMs: -1 };
      followed.set(runId, entry);
    }
    if (info.size !== entry.size || info.mtimeMs !== entry.mtimeMs) {
      for (;;) {
        const read = await readAppended(path, { from: entry.next, limit: READ_BATCH }).catch(() => null);
        if (!read) break;
        for (const event of read.events) entry.fold.apply(event);
        entry.next = read.next;
        if (!read.more) break;
      }
      entry.size = info.size;
      entry.mtimeMs = info.mtimeMs;
    }
    return entry.fold.summary();
  }

  async function ownerOf(runId: string): Promise<OwnerStatus | null> {
    return readOwner(runId, { home }).catch(() => null);
  }

  return {
    location: home,
    async list() {
      const ids = await listRunIds(home);
      const now = Date.now() / 1000;
      const entries = await Promise.all(
        ids.map(async (runId) => {
          const [summary, owner, record] = await Promise.all([
            summaryOf(runId),
            ownerOf(runId),
            readRunRecord(runId, { home }).catch(() => null),
          ]);
          const view: RunOwnerView =
            owner?.state === 'alive' || owner?.state === 'unknown'
              ? {
                  state: owner.state,
                  pid: owner.claim.owner.pid,
                  host: owner.claim.owner.host === hostname() ? null : owner.claim.owner.host,
                  since: owner.claim.since,
                }
              : { state: 'gone' };
          const dashboardUp =
            Boolean(record?.dashboard) &&
            record !== null &&
            processState(recordedProcess(record)) === 'alive';
          return runListEntry(
            runId,
            summary,
            view,
            record && {
              workflow_name: record.workflow_name,
              workflow_path: record.workflow_path,
              started_at: record.started_at,
              dashboard: dashboardUp,
            },
            now,
          );
        }),
      );
      for (const runId of followed.keys()) if (!ids.includes(runId)) followed.delete(runId);
      return entries.sort(
        (a, b) => (b.started_at ?? 0) - (a.started_at ?? 0) || a.run_id.localeCompare(b.run_id),
      );
    },
    history: (runId) => jsonlStore(eventLogPath(runId, home)),
    ownership: (runId) => async () => {
      const owner = await readOwner(runId, { home });
      if (!owner || owner.state === 'dead' || owner.state === 'released') return { owner: 'none' };
      const { claim } = owner;
      return {
        owner: owner.thisProcess ? 'this-process' : 'other-process',
        pid: claim.owner.pid,
        ...(claim.owner.host === hostname() ? {} : { host: claim.owner.host }),
        since: claim.since,
      };
    },
    async has(runId) {
      return (await listRunIds(home)).includes(runId);
    },
    outputsDir: (runId) => join(runDir(runId, home), 'outputs'),
  };
}
