import { hostname } from 'node:os';
import { type Lease, LeaseLostError, RunLeasedError, type StoredOwner } from '@conductor/store';
import type pg from 'pg';

export const DEFAULT_TTL_MS = 15_000;

export interface LeaseContext {
  pool: pg.Pool;
  schema: string;
  location: string;
  /** Runs a query, turning driver errors into CONDUCTOR_STORE_UNAVAILABLE without secrets. */
  guard<T>(action: string, task: () => Promise<T>): Promise<T>;
}

export interface PgLeaseOptions {
  purpose: string;
  ttlMs?: number;
  /** Renew every ttl/3 while held. Default true. */
  autoRenew?: boolean;
  /** Called once when a renewal finds the run taken over: the owner must stop. */
  onLost?: (error: Error) => void;
}

/** A lease held in this process: its generation is the fencing token every append checks. */
export interface PgLease extends Lease {
  markLost(): void;
}

interface LeaseRow {
  generation: string;
  host: string;
  pid: number;
  purpose: string;
  since: Date;
  expires_at: Date;
  released_at: Date | null;
  live: boolean;
}

/**
 * Claims a run: in one transaction, the run's lease row is locked; if a live owner holds it (not
 * released, not expired by the database's clock) the claimant stops with CONDUCTOR_RUN_OWNED, else the
 * generation goes up by one and the lease is this process's. The database's clock decides expiry, so
 * machines' clocks need not agree.
 */
export async function claimLease(
  ctx: LeaseContext,
  runId: string,
  options: PgLeaseOptions,
): Promise<PgLease> {
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  const { schema } = ctx;
  const generation = await withFreeLease(ctx, 'claim a run in', runId, async (client) => {
    const updated = await client.query<{ generation: string }>(
      `UPDATE ${schema}.leases SET generation = generation + 1, host = $2, pid = $3, purpose = $4,
         since = now(), expires_at = now() + make_interval(secs => $5), released_at = NULL
       WHERE run_id = $1 RETURNING generation`,
      [runId, hostname(), process.pid, options.purpose, ttlMs / 1000],
    );
    return Number(updated.rows[0]?.generation);
  });

  let lost = false;
  let released = false;
  let timer: NodeJS.Timeout | null = null;
  const lease: PgLease = {
    runId,
    generation,
    get lost() {
      return lost;
    },
    markLost() {
      lost = true;
      if (timer) clearInterval(timer);
    },
    async renew() {
      if (lost) throw new LeaseLostError(runId, generation, 'was lost earlier');
      const { rowCount } = await ctx.guard('renew a lease in', () =>
        ctx.pool.query(
          `UPDATE ${schema}.leases SET expires_at = now() + make_interval(secs => $3)
           WHERE run_id = $1 AND generation = $2 AND released_at IS NULL`,
          [runId, generation, ttlMs / 1000],
        ),
      );
      if (rowCount === 0) {
        lease.markLost();
        throw new LeaseLostError(runId, generation, 'was taken over by another owner');
      }
    },
    async release() {
      if (released) return;
      released = true;
      if (timer) clearInterval(timer);
      if (lost) return;
      await ctx.guard('release a lease in', () =>
        ctx.pool.query(
          `UPDATE ${schema}.leases SET released_at = now() WHERE run_id = $1 AND generation = $2`,
          [runId, generation],
        ),
      );
    },
  };
  if (options.autoRenew !== false) {
    timer = setInterval(
      () => {
        lease.renew().catch((error: unknown) => {
          if (error instanceof LeaseLostError) options.onLost?.(error);
          // A database that does not answer for a moment: the next renewal tries again, and the
          // append's fencing check keeps the log safe either way.
        });
      },
      Math.max(50, Math.floor(ttlMs / 3)),
    );
    timer.unref();
  }
  return lease;
}

/** The run's live owner: its lease, unless released or expired by the database's clock. */
export async function readLeaseOwner(ctx: LeaseContext, runId: string): Promise<StoredOwner | null> {
  const { rows } = await ctx.guard('read a lease in', () =>
    ctx.pool.query<LeaseRow>(
      `SELECT generation, host, pid, purpose, since FROM ${ctx.schema}.leases
       WHERE run_id = $1 AND released_at IS NULL AND expires_at > now() AND generation > 0`,
      [runId],
    ),
  );
  const row = rows[0];
  return row
    ? {
        generation: Number(row.generation),
        host: row.host,
        pid: row.pid,
        purpose: row.purpose,
        since: row.since.toISOString(),
      }
    : null;
}

/**
 * Removes a run nobody owns, in one transaction under its lease row's lock (so no claim slips in).
 * The lease row stays, released, so the next claim of that id still takes a higher generation and an
 * owner that stalled before the delete stays fenced off.
 */
export async function deleteLeasedRun(ctx: LeaseContext, runId: string): Promise<void> {
  const { schema } = ctx;
  await withFreeLease(ctx, 'delete a run in', runId, async (client) => {
    for (const table of ['events', 'checkpoints', 'runs']) {
      await client.query(`DELETE FROM ${schema}.${table} WHERE run_id = $1`, [runId]);
    }
    await client.query(
      `UPDATE ${schema}.leases SET released_at = coalesce(released_at, now()) WHERE run_id = $1`,
      [runId],
    );
  });
}

/**
 * Runs `work` in one transaction holding the run's lease row locked (created released when the run has
 * none), after checking that no live owner holds it (not released, not expired by the database's clock):
 * else CONDUCTOR_RUN_OWNED. Claims and deletes both go through here, so neither can slip past the other.
 */
async function withFreeLease<T>(
  ctx: LeaseContext,
  action: string,
  runId: string,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const { schema } = ctx;
  return ctx.guard(action, async () => {
    const client = await ctx.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO ${schema}.leases (run_id, generation, host, pid, purpose, since, expires_at, released_at)
         VALUES ($1, 0, '', 0, '', now(), now(), now()) ON CONFLICT (run_id) DO NOTHING`,
        [runId],
      );
      const { rows } = await client.query<LeaseRow>(
        `SELECT generation, host, pid, purpose, since, expires_at, released_at, expires_at > now() AS live
         FROM ${schema}.leases WHERE run_id = $1 FOR UPDATE`,
        [runId],
      );
      const row = rows[0];
      if (row && row.released_at === null && row.live) {
        throw new RunLeasedError(
          runId,
          {
            generation: Number(row.generation),
            host: row.host,
            pid: row.pid,
            purpose: row.purpose,
            since: row.since.toISOString(),
            expiresAt: row.expires_at.toISOString(),
          },
          ctx.location,
        );
      }
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  });
}
