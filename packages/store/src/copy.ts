import type { CheckpointSummary } from '@conductor/checkpoint';
import type { Lease, RunStore } from './types.js';

export interface CopyResult {
  events: number;
  checkpoints: number;
  record: boolean;
}

/** Another store holds more of the run than the one copied from: copying would fork its history. */
export class StoreCopyError extends Error {
  readonly code = 'CONDUCTOR_STORE_COPY';
  constructor(runId: string, from: string, to: string, fromSeq: number, toSeq: number) {
    super(
      `run ${runId}: ${to} already holds events up to seq ${toSeq}, past the ${fromSeq} of ${from}; nothing was copied. ` +
        'The two copies of the run have diverged: keep the one that is complete and delete the other run.',
    );
    this.name = 'StoreCopyError';
  }
}

const key = (c: CheckpointSummary) => `${c.created_at}|${c.trigger}|${c.generation}|${c.last_seq}`;

/**
 * Brings `target`'s copy of a run up to `source`'s: the events after the target's last seq (in pages,
 * each one append), the checkpoints it lacks (oldest first), and the run record. What `conductor store
 * import` / `export` do, and what a resume from another home does first. `lease` is the target's.
 */
export async function copyRun(
  source: RunStore,
  target: RunStore,
  runId: string,
  lease: Lease,
  pageSize = 1000,
): Promise<CopyResult> {
  const [have, has] = await Promise.all([target.lastSeq(runId), source.lastSeq(runId)]);
  if (have > has) throw new StoreCopyError(runId, source.location, target.location, has, have);
  let copied = 0;
  for (let after = have; ; ) {
    const page = await source.readPage(runId, { afterSeq: after, limit: pageSize });
    if (page.events.length === 0) break;
    await target.append(lease, page.events);
    copied += page.events.length;
    after = page.events.at(-1)?.seq ?? after;
    if (!page.hasMore) break;
  }
  const present = new Set((await target.listCheckpoints(runId)).map(key));
  const missing = (await source.listCheckpoints(runId)).filter((c) => !present.has(key(c))).reverse();
  for (const summary of missing)
    await target.saveCheckpoint(lease, await source.loadCheckpoint(summary.path));
  const record = await source.readRunRecord(runId);
  if (record) await target.writeRunRecord(record);
  return { events: copied, checkpoints: missing.length, record: record !== null };
}
