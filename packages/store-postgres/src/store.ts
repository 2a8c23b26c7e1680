import { type Checkpoint, type CheckpointSummary, validateCheckpoint } from '@conductor/checkpoint';
import type { ConductorEvent } from '@conductor/events';
import type { RunRecord } from '@conductor/run-folder';
import {
  LeaseLostError,
  type RunStore,
  StoreCheckpointNotFoundError,
  StoreSeqError,
  StoreUnavailableError,
  scrub,
} from '@conductor/store';
import pg from 'pg';
import { CHANNEL, Notifier } from './follow.js';
import {
  claimLease,
  deleteLeasedRun,
  type LeaseContext,
  type PgLease,
  type PgLeaseOptions,
  readLeaseOwner,
} from './lease.js';
import { createRunQueue } from './queue.js';
import { migrate } from './schema.js';
import { parseStoreUrl } from './url.js';

export interface PostgresStoreOptions {
  /** Apply the schema on first use. Default true. */
  autoMigrate?: boolean;
  /** How often a follower reads without a notification. Default 1000 ms. */
  pollMs?: number;
  /** Pool size. Default 4. */
  maxConnections?: number;
  /** A claim's lease when the claimant gives none. Default 15 s. */
  leaseTtlMs?: number;
}

export interface PostgresStore extends RunStore {
  readonly schema: string;
  claim(runId: string, options: PgLeaseOptions): Promise<PgLease>;
  /** Applies the versions up to `target`: for tests of migrations, and `conductor store migrate`. */
  migrateTo(target?: number): Promise<{ from: number; to: number }>;
  /** The pool, for the worker queue (pg-boss shares the database). */
  readonly pool: pg.Pool;
  readonly connectionString: string;
}

const REF = /^postgres:([A-Za-z0-9_-]{1,64})\/(\d+)$/;

/** The PostgreSQL store: see docs/scale-out.md for the tables and the guarantees. */
export function postgresStore(spec: string, options: PostgresStoreOptions = {}): PostgresStore {
  const parsed = parseStoreUrl(spec);
  const { schema, location, secrets } = parsed;
  const pool = new pg.Pool({ connectionString: parsed.connectionString, max: options.maxConnections ?? 4 });
  // An idle connection that breaks must not crash the process: the next query reconnects.
  pool.on('error', () => {});
  const notifier = new Notifier(parsed.connectionString, schema);
  const pollMs = options.pollMs ?? 1000;
  let ready: Promise<unknown> | null = null;

  async function guard<T>(action: string, task: () => Promise<T>): Promise<T> {
    try {
      return await task();
    } catch (error) {
      if (
        error &&
        typeof error === 'object' &&
        'code' in error &&
        String(error.code).startsWith('CONDUCTOR_')
      )
        throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new StoreUnavailableError(location, action, scrub(message, secrets));
    }
  }

  function migrateTo(target?: number) {
    return guard('migrate', async () => {
      const client = await pool.connect();
      try {
        return await migrate(client, schema, target);
      } finally {
        client.release();
      }
    });
  }

  /** The schema, applied once per store on first use. */
  function ensure(): Promise<unknown> {
    if (options.autoMigrate === false) return Promise.resolve();
    ready ??= migrateTo().catch((error: unknown) => {
      ready = null;
      throw error;
    });
    return ready;
  }

  async function query<R extends pg.QueryResultRow>(action: string, text: string, values: unknown[] = []) {
    await ensure();
    return guard(action, () => pool.query<R>(text, values));
  }

  const ctx: LeaseContext = { pool, schema, location, guard };

  async function readPage(runId: string, afterSeq: number, limit: number) {
    const { rows } = await query<{ payload: ConductorEvent }>(
      'read events from',
      `SELECT payload FROM ${schema}.events WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [runId, afterSeq, limit + 1],
    );
    const events = rows.slice(0, limit).map((row) => row.payload);
    return { events, hasMore: rows.length > limit };
  }

  const store: PostgresStore = {
    kind: 'postgres',
    location,
    schema,
    pool,
    connectionString: parsed.connectionString,
    migrate: () => migrateTo(),
    migrateTo,
    async append(lease, events) {
      if (events.length === 0) return;
      if (lease.lost) throw new LeaseLostError(lease.runId, lease.generation, 'was lost earlier');
      await ensure();
      const { runId, generation } = lease;
      await guard('append events to', async () => {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          // The fencing check: the lease row is locked for the transaction, so no claim can slip in
          // between the check and the insert, and a stalled owner's generation no longer matches.
          const { rows } = await client.query<{ generation: string; released_at: Date | null }>(
            `SELECT generation, released_at FROM ${schema}.leases WHERE run_id = $1 FOR UPDATE`,
            [runId],
          );
          const row = rows[0];
          if (!row || Number(row.generation) !== generation || row.released_at !== null) {
            (lease as Partial<PgLease>).markLost?.();
            throw new LeaseLostError(
              runId,
              generation,
              row ? `was followed by generation ${row.generation}` : 'is not in the store',
            );
          }
          const last = await client.query<{ last: string }>(
            `SELECT coalesce(max(seq), 0) AS last FROM ${schema}.events WHERE run_id = $1`,
            [runId],
          );
          let expected = Number(last.rows[0]?.last ?? 0);
          for (const event of events) {
            if (event.seq !== expected + 1) throw new StoreSeqError(runId, event.seq, expected);
            expected = event.seq;
          }
          await client.query(
            `INSERT INTO ${schema}.events (run_id, seq, type, payload)
             SELECT $1, seq, type, payload FROM unnest($2::bigint[], $3::text[], $4::jsonb[]) AS e(seq, type, payload)`,
            [
              runId,
              events.map((e) => e.seq),
              events.map((e) => e.type),
              events.map((e) => JSON.stringify(e)),
            ],
          );
          await client.query('SELECT pg_notify($1, $2)', [CHANNEL, `${schema}:${runId}`]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {});
          throw error;
        } finally {
          client.release();
        }
      });
    },
    async readPage(runId, page) {
      return readPage(runId, page.afterSeq ?? 0, page.limit);
    },
    async lastSeq(runId) {
      const { rows } = await query<{ last: string }>(
        'read events from',
        `SELECT coalesce(max(seq), 0) AS last FROM ${schema}.events WHERE run_id = $1`,
        [runId],
      );
      return Number(rows[0]?.last ?? 0);
    },
    follow(runId, { afterSeq = 0, signal }) {
      return {
        async *[Symbol.asyncIterator]() {
          let last = afterSeq;
          while (!signal.aborted) {
            const mark = await notifier.mark(runId);
            const page = await readPage(runId, last, 500);
            for (const event of page.events) {
              last = event.seq;
              yield event;
            }
            if (page.hasMore) continue;
            await notifier.wait(runId, mark, pollMs, signal);
          }
        },
      };
    },
    async saveCheckpoint(lease, checkpoint: Checkpoint) {
      const valid = validateCheckpoint(checkpoint, null);
      if (lease?.lost) throw new LeaseLostError(lease.runId, lease.generation, 'was lost earlier');
      const { rows } = await query<{ id: string }>(
        'save a checkpoint in',
        lease
          ? `INSERT INTO ${schema}.checkpoints (run_id, trigger, body)
             SELECT $1, $2, $3 FROM ${schema}.leases WHERE run_id = $1 AND generation = $4 RETURNING id`
          : `INSERT INTO ${schema}.checkpoints (run_id, trigger, body) VALUES ($1, $2, $3) RETURNING id`,
        lease ? [valid.run_id, valid.trigger, valid, lease.generation] : [valid.run_id, valid.trigger, valid],
      );
      if (rows.length === 0 && lease)
        throw new LeaseLostError(lease.runId, lease.generation, 'was taken over');
      return `postgres:${valid.run_id}/${rows[0]?.id}`;
    },
    async listCheckpoints(runId): Promise<CheckpointSummary[]> {
      const { rows } = await query<{ id: string; body: Checkpoint }>(
        'list checkpoints in',
        `SELECT id, body FROM ${schema}.checkpoints WHERE run_id = $1 ORDER BY id DESC`,
        [runId],
      );
      return rows.map(({ id, body }) => ({
        path: `postgres:${runId}/${id}`,
        run_id: body.run_id,
        workflow_path: body.workflow_path,
        current_step: body.current_step,
        trigger: body.trigger,
        created_at: body.created_at,
        generation: body.generation,
        last_seq: body.last_seq,
        migrated_from: null,
      }));
    },
    async loadCheckpoint(ref) {
      const match = REF.exec(ref);
      if (!match) throw new StoreCheckpointNotFoundError(ref, location);
      const { rows } = await query<{ body: Checkpoint }>(
        'load a checkpoint from',
        `SELECT body FROM ${schema}.checkpoints WHERE run_id = $1 AND id = $2`,
        [match[1], match[2]],
      );
      const row = rows[0];
      if (!row) throw new StoreCheckpointNotFoundError(ref, location);
      return validateCheckpoint(row.body, ref);
    },
    async writeRunRecord(record: RunRecord) {
      await query(
        'write a run record to',
        `INSERT INTO ${schema}.runs (run_id, record, updated_at) VALUES ($1, $2, now())
         ON CONFLICT (run_id) DO UPDATE SET record = EXCLUDED.record, updated_at = now()`,
        [record.run_id, record],
      );
    },
    async readRunRecord(runId) {
      const { rows } = await query<{ record: RunRecord }>(
        'read a run record from',
        `SELECT record FROM ${schema}.runs WHERE run_id = $1`,
        [runId],
      );
      return rows[0]?.record ?? null;
    },
    async listRuns(list = {}) {
      const { rows } = await query<{ record: RunRecord }>(
        'list runs in',
        `SELECT record FROM ${schema}.runs ORDER BY updated_at DESC LIMIT $1`,
        [list.limit ?? 10_000],
      );
      return rows.map((row) => row.record);
    },
    async claim(runId, claimOptions) {
      await ensure();
      return claimLease(ctx, runId, { ttlMs: options.leaseTtlMs, ...claimOptions });
    },
    async owner(runId) {
      await ensure();
      return readLeaseOwner(ctx, runId);
    },
    async deleteRun(runId) {
      await ensure();
      await deleteLeasedRun(ctx, runId);
    },
    openQueue(queueOptions) {
      return createRunQueue(store, queueOptions);
    },
    async close() {
      await notifier.close();
      await pool.end().catch(() => {});
    },
  };
  return store;
}
