import type { RunJob, RunQueue, RunQueueOptions } from '@conductor/store';
import type pg from 'pg';
import PgBoss from 'pg-boss';

/** What the queue needs of the store (its database, and its schema to name its own after). */
export interface QueueDatabase {
  readonly connectionString: string;
  readonly schema: string;
  readonly pool: pg.Pool;
  migrate(): Promise<unknown>;
}

/**
 * The run queue on pg-boss, in the store's database (its tables in `<schema>_boss`). `conductor submit`
 * sends `run` jobs; `conductor worker` takes them. A worker that dies leaves its run's lease to expire;
 * every worker's sweep sends a `resume` job for each run whose lease expired unreleased (pg-boss's
 * `short` policy keeps one queued per run), and whichever worker claims the run continues it.
 */
const RUN_QUEUE = 'conductor-run';
const RESUME_QUEUE = 'conductor-resume';

export async function createRunQueue(store: QueueDatabase, options: RunQueueOptions = {}): Promise<RunQueue> {
  await store.migrate();
  const boss = new PgBoss({
    connectionString: store.connectionString,
    schema: `${store.schema}_boss`,
    // Runs can be long: a job outlives its worker by this much at most; the lease sweep, not the
    // job's expiry, is what continues a dead worker's run.
    expireInHours: 23,
    retryLimit: 0,
    supervise: true,
  });
  boss.on('error', () => {
    // pg-boss retries its own maintenance; a broken connection shows in the next send or fetch.
  });
  // Workers starting together would install pg-boss's schema and queues at once and deadlock: one at a
  // time, under a session advisory lock.
  const lock = await store.pool.connect();
  try {
    await lock.query('SELECT pg_advisory_lock(hashtext($1))', [`conductor-queue:${store.schema}`]);
    await boss.start();
    for (const [name, policy] of [
      [RUN_QUEUE, 'standard'],
      [RESUME_QUEUE, 'short'],
    ] as const) {
      if (!(await boss.getQueue(name))) await boss.createQueue(name, { name, policy, retryLimit: 0 });
    }
  } finally {
    await lock
      .query('SELECT pg_advisory_unlock(hashtext($1))', [`conductor-queue:${store.schema}`])
      .catch(() => {});
    lock.release();
  }
  const sweepMs = options.sweepMs ?? 2000;
  const pollingIntervalSeconds = options.pollingIntervalSeconds ?? 1;
  let sweeper: NodeJS.Timeout | null = null;

  async function sweep(): Promise<void> {
    const { rows } = await store.pool.query<{ run_id: string }>(
      `SELECT l.run_id FROM ${store.schema}.leases l
       WHERE l.released_at IS NULL AND l.expires_at < now() AND l.generation > 0`,
    );
    for (const { run_id: runId } of rows) {
      await boss.send(RESUME_QUEUE, { action: 'resume', runId } satisfies RunJob, { singletonKey: runId });
    }
  }

  return {
    submit(job) {
      // A resume (from a run browser, or the sweep) is queued once per run however often it is asked.
      return job.action === 'resume'
        ? boss.send(RESUME_QUEUE, job, { singletonKey: job.runId })
        : boss.send(RUN_QUEUE, job);
    },
    async work(concurrency, handler) {
      const handle = async (jobs: PgBoss.Job<RunJob>[]) => {
        for (const job of jobs) await handler(job.data);
      };
      // pg-boss 10 runs one job per `work` call at a time: N calls are N runs at once.
      for (let i = 0; i < concurrency; i++) {
        await boss.work<RunJob>(RUN_QUEUE, { batchSize: 1, pollingIntervalSeconds }, handle);
        await boss.work<RunJob>(RESUME_QUEUE, { batchSize: 1, pollingIntervalSeconds }, handle);
      }
      sweeper = setInterval(() => {
        sweep().catch(() => {});
      }, sweepMs);
    },
    async stop() {
      if (sweeper) clearInterval(sweeper);
      await boss.stop({ graceful: false, wait: true, close: true }).catch(() => {});
    },
  };
}
