import type { Checkpoint, CheckpointSummary } from '@conductor/checkpoint';
import type { ConductorEvent } from '@conductor/events';
import type { RunRecord } from '@conductor/run-folder';

/**
 * Where runs live: their events, checkpoints, run records and who owns them. Two implementations:
 * `filesStore` (today's `$CONDUCTOR_HOME` layout, the default) and the PostgreSQL store of
 * `@conductor/store-postgres`. Everything a run needs from storage goes through this interface, so the
 * engine, the dashboard, replay and the CLI never ask which one they have.
 */
export interface RunStore {
  /** `files` or `postgres`. For messages and listings, never for branching. */
  readonly kind: string;
  /** Where the store is, safe to print: a path, or a database URL without its password. */
  readonly location: string;

  /** Brings the store's layout up to date. Safe to call any number of times, from any number of processes. */
  migrate(): Promise<MigrationResult>;

  /**
   * Appends events the owner numbered (seq strictly increasing from the run's last one, no gaps), all or
   * none: the events of one step are one call. Checked against the lease: an append by an owner that lost
   * the run fails with CONDUCTOR_LEASE_LOST and writes nothing.
   */
  append(lease: Lease, events: readonly ConductorEvent[]): Promise<void>;
  /** Events with `seq > afterSeq`, at most `limit`, in seq order. */
  readPage(runId: string, options: PageOptions): Promise<StoredEventPage>;
  /** The run's last seq, 0 for none. */
  lastSeq(runId: string): Promise<number>;
  /**
   * Every event after `afterSeq`, then each new one as it is written (by any process on any machine),
   * until `signal` aborts. Nothing skipped, nothing repeated.
   */
  follow(runId: string, options: FollowOptions): AsyncIterable<ConductorEvent>;

  /** Saves a checkpoint of the lease's run; returns its reference (a path, or `postgres:<run>/<id>`). */
  saveCheckpoint(lease: Lease | null, checkpoint: Checkpoint): Promise<string>;
  /** The run's checkpoints, newest first. */
  listCheckpoints(runId: string): Promise<CheckpointSummary[]>;
  loadCheckpoint(ref: string): Promise<Checkpoint>;

  writeRunRecord(record: RunRecord): Promise<void>;
  readRunRecord(runId: string): Promise<RunRecord | null>;
  /** Every run's record, newest first: what a run browser lists. */
  listRuns(options?: ListRunsOptions): Promise<RunRecord[]>;

  /**
   * Makes this process the run's one owner. Rejects with CONDUCTOR_RUN_OWNED (exit code 3), writing
   * nothing, while another owner holds it; takes over from an owner that died (its lease expired).
   */
  claim(runId: string, options: ClaimOptions): Promise<Lease>;
  /**
   * Who holds the run now: its live owner, or null when nobody does (never claimed, released, or its
   * owner died: a lease that expired unrenewed). What a run browser shows, and why it offers a resume.
   */
  owner(runId: string): Promise<StoredOwner | null>;
  /**
   * Removes the run (events, checkpoints, record, lease) while nobody owns it; rejects with
   * CONDUCTOR_RUN_OWNED, removing nothing, while an owner holds it.
   */
  deleteRun(runId: string): Promise<void>;

  /**
   * The queue `conductor submit` and `conductor worker` share, for stores that several machines
   * reach (PostgreSQL: pg-boss). Absent on the files store.
   */
  openQueue?(options?: RunQueueOptions): Promise<RunQueue>;

  close(): Promise<void>;
}

/** What a worker is asked to do: start a run, or continue one whose owner died. */
export interface RunJob {
  action: 'run' | 'resume';
  runId: string;
  /** Absolute path of the workflow file, the same on every worker (a shared checkout). */
  workflowPath?: string;
  inputs?: Record<string, unknown>;
  /** `--provider` and `--mock-responses` given to `submit`. */
  provider?: string;
  mockResponses?: string;
}

export interface RunQueueOptions {
  /** How often a worker looks for runs whose owner's lease expired. Default 2000 ms. */
  sweepMs?: number;
  /** How often an idle worker asks for a job. Default 1 s. */
  pollingIntervalSeconds?: number;
}

/**
 * Runs waiting for a worker. A worker that dies leaves its run's lease to expire; workers then queue a
 * `resume` of it, and whichever claims the run continues it. The lease, not the queue, decides who owns
 * a run: a duplicate job finds it owned and does nothing.
 */
export interface RunQueue {
  /** Queues a job; resolves with its id, or null when a resume of that run is already queued. */
  submit(job: RunJob): Promise<string | null>;
  /** Takes jobs, `concurrency` at once, until `stop`. */
  work(concurrency: number, handler: (job: RunJob) => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

export interface MigrationResult {
  from: number;
  to: number;
}

export interface PageOptions {
  afterSeq?: number;
  limit: number;
}

export interface StoredEventPage {
  events: ConductorEvent[];
  hasMore: boolean;
}

export interface FollowOptions {
  afterSeq?: number;
  signal: AbortSignal;
}

export interface ListRunsOptions {
  limit?: number;
}

export interface ClaimOptions {
  /** What the claimant does (`run`, `resume`, `worker`), shown to whoever finds the run owned. */
  purpose: string;
  /** How long the lease holds without a renewal. Default 15 s (PostgreSQL); unused by files. */
  ttlMs?: number;
  /** Called once when the store finds the run taken over (a renewal failed): the owner must stop. */
  onLost?: (error: Error) => void;
}

/** The live owner of a run, as the store records it. */
export interface StoredOwner {
  /** The fencing token of its lease (its claim's number, on files). */
  generation: number;
  host: string;
  pid: number;
  /** What it does: `run`, `resume`. */
  purpose: string;
  /** ISO 8601: since when it has held the run. */
  since: string;
}

/** One owner's hold on one run. `generation` is its fencing token. */
export interface Lease {
  readonly runId: string;
  readonly generation: number;
  /** Set once a renewal or an append found the run taken over: the owner must stop. */
  readonly lost: boolean;
  /** Extends the lease. Rejects with CONDUCTOR_LEASE_LOST once another owner took the run. */
  renew(): Promise<void>;
  /** Lets go of the run; safe to call twice. */
  release(): Promise<void>;
}
