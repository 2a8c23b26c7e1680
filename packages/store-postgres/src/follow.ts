import pg from 'pg';

export const CHANNEL = 'conductor_events';

/**
 * One LISTEN connection per store, shared by every follower: an append's transaction sends
 * `pg_notify(channel, '<schema>:<run id>')` on commit, and the followers of that run read at once.
 * Followers also poll (default every second), so a lost notification or a dropped LISTEN connection
 * (a proxy like PgBouncer in transaction mode does not pass them) only delays them.
 */
export class Notifier {
  private client: pg.Client | null = null;
  private connecting: Promise<void> | null = null;
  private readonly waiters = new Map<string, Set<() => void>>();
  /** Notifications seen per run: a follower that read after mark N waits only if none came since. */
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly connectionString: string,
    private readonly schema: string,
  ) {}

  /**
   * Starts listening (if it can) and returns the run's mark: take it before reading, then `wait` from it,
   * so a notification that comes between the read and the wait is not lost.
   */
  async mark(runId: string): Promise<number> {
    await this.listen().catch(() => {});
    return this.counts.get(`${this.schema}:${runId}`) ?? 0;
  }

  /** Resolves on the run's next notification after `mark`, after `ms`, or when `signal` aborts. */
  async wait(runId: string, mark: number, ms: number, signal: AbortSignal): Promise<void> {
    const key = `${this.schema}:${runId}`;
    if ((this.counts.get(key) ?? 0) !== mark || signal.aborted) return;
    await new Promise<void>((resolve) => {
      const set = this.waiters.get(key) ?? new Set();
      this.waiters.set(key, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      set.add(done);
    });
  }

  private listen(): Promise<void> {
    if (this.client) return Promise.resolve();
    this.connecting ??= (async () => {
      const client = new pg.Client({ connectionString: this.connectionString });
      client.on('error', () => {
        // The connection broke: polling carries on, and the next wait connects again.
        this.client = null;
        this.connecting = null;
        client.end().catch(() => {});
      });
      client.on('notification', (message) => {
        const key = message.payload ?? '';
        this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
        for (const wake of [...(this.waiters.get(message.payload ?? '') ?? [])]) wake();
      });
      try {
        await client.connect();
        await client.query(`LISTEN ${CHANNEL}`);
        this.client = client;
      } catch (error) {
        this.connecting = null;
        await client.end().catch(() => {});
        throw error;
      }
    })();
    return this.connecting;
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    this.connecting = null;
    for (const set of this.waiters.values()) for (const wake of [...set]) wake();
    await client?.end().catch(() => {});
  }
}
