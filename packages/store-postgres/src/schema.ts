import type pg from 'pg';

/**
 * The schema's versions, in order. Each is applied once, in one transaction, under an advisory lock so
 * two processes starting at once on an empty database do not both create it. Never edit a released
 * version: add the next one.
 */
export const MIGRATIONS: readonly ((schema: string) => string)[] = [
  // 1: runs, events, checkpoints, leases.
  (s) => `
    CREATE TABLE ${s}.runs (
      run_id text PRIMARY KEY,
      record jsonb NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE ${s}.events (
      run_id text NOT NULL,
      seq bigint NOT NULL CHECK (seq > 0),
      type text NOT NULL,
      payload jsonb NOT NULL,
      PRIMARY KEY (run_id, seq)
    );
    CREATE TABLE ${s}.checkpoints (
      id bigserial PRIMARY KEY,
      run_id text NOT NULL,
      trigger text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      body jsonb NOT NULL
    );
    CREATE TABLE ${s}.leases (
      run_id text PRIMARY KEY,
      generation bigint NOT NULL,
      host text NOT NULL,
      pid integer NOT NULL,
      purpose text NOT NULL,
      since timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      released_at timestamptz
    );`,
  // 2: indexes for the run browser and checkpoint listings; the events' primary key pages by seq.
  (s) => `
    CREATE INDEX runs_updated_at ON ${s}.runs (updated_at DESC);
    CREATE INDEX checkpoints_run ON ${s}.checkpoints (run_id, id DESC);
    CREATE INDEX events_type ON ${s}.events (run_id, type);`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Applies the versions after the database's own, up to `target` (default: the newest). */
export async function migrate(
  client: pg.ClientBase,
  schema: string,
  target: number = SCHEMA_VERSION,
): Promise<{ from: number; to: number }> {
  await client.query('BEGIN');
  try {
    // One migrator at a time per schema; the lock ends with the transaction.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`conductor-migrate:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${schema}.schema_version (version integer NOT NULL)`);
    const { rows } = await client.query<{ version: number }>(
      `SELECT max(version) AS version FROM ${schema}.schema_version`,
    );
    const from = rows[0]?.version ?? 0;
    for (let version = from + 1; version <= target; version++) {
      const step = MIGRATIONS[version - 1];
      if (step) await client.query(step(schema));
      await client.query(`INSERT INTO ${schema}.schema_version (version) VALUES ($1)`, [version]);
    }
    await client.query('COMMIT');
    return { from, to: Math.max(from, target) };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
