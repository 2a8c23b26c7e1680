export { RunIdError } from '@conductor/run-folder';

/** An append whose seq does not follow the log's last seq. */
export class EventLogSeqError extends Error {
  readonly code = 'CONDUCTOR_EVENT_LOG_SEQ';
  readonly path: string;
  readonly seq: unknown;
  readonly lastSeq: number;
  constructor(path: string, seq: unknown, lastSeq: number, hint?: string) {
    super(
      `cannot append event with seq ${String(seq)} to ${path}: seq must be an integer greater than ` +
        `${lastSeq}, the log's last seq. ${hint ?? "Start the run's event numbering after the log's last seq (writer.lastSeq)."}`,
    );
    this.name = 'EventLogSeqError';
    this.path = path;
    this.seq = seq;
    this.lastSeq = lastSeq;
  }
}

/** Opening, repairing, reading, writing or syncing a log file failed in the file system. */
export class EventLogIoError extends Error {
  readonly code = 'CONDUCTOR_EVENT_LOG_IO';
  readonly path: string;
  constructor(action: string, path: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      `could not ${action} event log ${path}: ${reason}. Check that the path is writable and the disk has space.`,
      {
        cause,
      },
    );
    this.name = 'EventLogIoError';
    this.path = path;
  }
}

/** The log file does not exist. */
export class EventLogNotFoundError extends Error {
  readonly code = 'CONDUCTOR_EVENT_LOG_NOT_FOUND';
  readonly path: string;
  constructor(path: string, cause?: unknown) {
    super(`event log ${path} does not exist. Check the run id or CONDUCTOR_HOME.`, { cause });
    this.name = 'EventLogNotFoundError';
    this.path = path;
  }
}

/** An event that JSON cannot represent (a cycle, a BigInt). Nothing was written. */
export class EventLogSerializeError extends Error {
  readonly code = 'CONDUCTOR_EVENT_LOG_SERIALIZE';
  readonly path: string;
  constructor(path: string, seq: unknown, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      `cannot append event seq ${String(seq)} to ${path}: it is not JSON-serializable (${reason}). ` +
        'Event data must be plain JSON values.',
      { cause },
    );
    this.name = 'EventLogSerializeError';
    this.path = path;
  }
}

/** The writer was closed. */
export class EventLogClosedError extends Error {
  readonly code = 'CONDUCTOR_EVENT_LOG_CLOSED';
  readonly path: string;
  constructor(path: string) {
    super(`event log writer for ${path} is closed; open a new writer with openEventLog()`);
    this.name = 'EventLogClosedError';
    this.path = path;
  }
}

export { errnoCode } from '@conductor/run-folder';
