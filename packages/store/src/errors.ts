/**
 * Another owner holds the run. Same code as run-folder's RunOwnedError, so every store gives a second
 * claimant the same exit code (3) and the same kind of message.
 */
export class RunLeasedError extends Error {
  readonly code = 'CONDUCTOR_RUN_OWNED';
  readonly runId: string;
  readonly generation: number;
  constructor(
    runId: string,
    owner: {
      generation: number;
      host: string;
      pid: number;
      purpose: string;
      since: string;
      expiresAt: string;
    },
    where: string,
  ) {
    super(
      `run ${runId} is owned by process ${owner.pid} on host ${owner.host} (conductor ${owner.purpose}, generation ${owner.generation}) since ${owner.since}, in ${where}; nothing was written. ` +
        `Stop it there, or wait for it to end; if that host is gone, its lease expires at ${owner.expiresAt} and the run can be resumed then.`,
    );
    this.name = 'RunLeasedError';
    this.runId = runId;
    this.generation = owner.generation;
  }
}

/** The lease was taken over (the owner stalled past it, or the run was claimed by another owner): stop. */
export class LeaseLostError extends Error {
  readonly code = 'CONDUCTOR_LEASE_LOST';
  readonly runId: string;
  readonly generation: number;
  constructor(runId: string, generation: number, detail: string) {
    super(
      `run ${runId}: this process no longer owns it (its lease, generation ${generation}, ${detail}); nothing more was written. ` +
        'Another owner continues the run: see `conductor status`.',
    );
    this.name = 'LeaseLostError';
    this.runId = runId;
    this.generation = generation;
  }
}

/** Events handed to `append` whose seq does not continue the run's log. */
export class StoreSeqError extends Error {
  readonly code = 'CONDUCTOR_STORE_SEQ';
  constructor(runId: string, seq: number, lastSeq: number) {
    super(
      `run ${runId}: event seq ${seq} does not follow the stored last seq ${lastSeq} (seq must increase by one); nothing was written. This is a bug: please report it.`,
    );
    this.name = 'StoreSeqError';
  }
}

/** `--store` or CONDUCTOR_STORE names no store this conductor knows. */
export class StoreSpecError extends Error {
  readonly code = 'CONDUCTOR_STORE_INVALID';
  constructor(spec: string, why: string) {
    super(
      `--store ${spec}: ${why}. Use a postgres://user@host/db URL (the password in PGPASSWORD or ~/.pgpass is best), or leave it out for the files under $CONDUCTOR_HOME.`,
    );
    this.name = 'StoreSpecError';
  }
}

/** The store could not be reached or answered with an error. The message never holds a password. */
export class StoreUnavailableError extends Error {
  readonly code = 'CONDUCTOR_STORE_UNAVAILABLE';
  constructor(location: string, action: string, detail: string) {
    super(
      `could not ${action} the store ${location}: ${detail}. Check that the server runs and the URL is right.`,
    );
    this.name = 'StoreUnavailableError';
  }
}

/** A checkpoint reference that names nothing in this store. */
export class StoreCheckpointNotFoundError extends Error {
  readonly code = 'CONDUCTOR_CHECKPOINT_NOT_FOUND';
  constructor(ref: string, location: string) {
    super(`no checkpoint ${ref} in the store ${location}. List them with \`conductor checkpoint list\`.`);
    this.name = 'StoreCheckpointNotFoundError';
  }
}
