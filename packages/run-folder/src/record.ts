import { mkdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as v from 'valibot';
import { writeFileAtomicSync } from './atomic.js';
import { errnoCode, RunRecordError } from './errors.js';
import { conductorHome, listRunIds, runRecordPath } from './paths.js';
import { currentProcess, type ProcessIdentity } from './process.js';

export type RunRecordStatus = 'running' | 'completed' | 'failed' | 'interrupted';

/**
 * `runs/<run_id>/run.json`: what a run is and where its files are, for listings (`conductor status`) and
 * dashboards. A convenience: the event log and checkpoints are the truth, and the claim says who owns it.
 */
export interface RunRecord {
  run_id: string;
  /** Absolute path of the workflow file; null for a workflow built in code. */
  workflow_path: string | null;
  workflow_name: string;
  /** sha256 of the workflow file's text; null when unknown. */
  workflow_hash: string | null;
  status: RunRecordStatus;
  /** The process that runs (or last ran) the run, and serves its dashboard while it lingers. */
  pid: number;
  /** That process's start (see ProcessIdentity), so a reused pid is not taken for it. */
  process_start?: string | null;
  /** The host it runs on. */
  host?: string;
  /** ISO 8601. */
  started_at: string;
  /** ISO 8601; set on every update. */
  updated_at: string;
  /** 0 for the first run, 1 after the first resume, ... */
  generation: number;
  event_log_path: string | null;
  last_checkpoint_path: string | null;
  /** Written by the CLI when it serves a dashboard for the run. */
  dashboard?: { url: string; port: number };
  [key: string]: unknown;
}

const nullableString = v.nullable(v.string());
const RunRecordSchema = v.looseObject({
  run_id: v.string(),
  workflow_path: nullableString,
  workflow_name: v.string(),
  workflow_hash: nullableString,
  status: v.picklist(['running', 'completed', 'failed', 'interrupted']),
  pid: v.number(),
  process_start: v.optional(v.nullable(v.string())),
  host: v.optional(v.string()),
  started_at: v.string(),
  updated_at: v.string(),
  generation: v.pipe(v.number(), v.integer(), v.minValue(0)),
  event_log_path: nullableString,
  last_checkpoint_path: nullableString,
  dashboard: v.optional(v.looseObject({ url: v.string(), port: v.number() })),
});

export interface RunRecordOptions {
  /** `$CONDUCTOR_HOME`. Default: `CONDUCTOR_HOME` from the environment, else ~/.conductor. */
  home?: string;
}

export interface WriteRunRecordOptions extends RunRecordOptions {
  /**
   * fsync the record and its folder (default true). The engine skips it while a run goes on (the
   * record is a convenience, and a machine that dies leaves it at an earlier state, which the claims
   * and the log correct) and fsyncs the record of how the run ended.
   */
  durable?: boolean;
}

const recordPath = (runId: string, options: RunRecordOptions) =>
  runRecordPath(runId, options.home ?? conductorHome());

/**
 * The run's record, or null when it has none. Throws RunRecordError (CONDUCTOR_RUN_RECORD_INVALID)
 * when run.json is not a run record, and CONDUCTOR_RUN_ID for an id that cannot name a run folder.
 */
export async function readRunRecord(
  runId: string,
  options: RunRecordOptions = {},
): Promise<RunRecord | null> {
  const path = recordPath(runId, options);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return noRecord(path, error);
  }
  return recordFrom(path, text);
}

function readRunRecordSync(runId: string, options: RunRecordOptions): RunRecord | null {
  const path = recordPath(runId, options);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return noRecord(path, error);
  }
  return recordFrom(path, text);
}

function noRecord(path: string, error: unknown): null {
  if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return null;
  throw new RunRecordError('CONDUCTOR_RUN_RECORD_IO', path, `could not read ${path}: ${String(error)}`, {
    cause: error,
  });
}

function recordFrom(path: string, text: string): RunRecord {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new RunRecordError(
      'CONDUCTOR_RUN_RECORD_INVALID',
      path,
      `${path} is not valid JSON (${(error as Error).message}); it was left untouched.`,
      { cause: error },
    );
  }
  const parsed = v.safeParse(RunRecordSchema, raw);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    throw new RunRecordError(
      'CONDUCTOR_RUN_RECORD_INVALID',
      path,
      `${path} is not a run record: ${v.getDotPath(issue) ?? '(root)'}: ${issue.message}. It was left untouched.`,
    );
  }
  return parsed.output as RunRecord;
}

/** Writes the whole record atomically (temp file, fsync, rename), readable by its owner only. */
export async function writeRunRecord(
  record: RunRecord,
  options: WriteRunRecordOptions = {},
): Promise<string> {
  const path = recordPath(record.run_id, options);
  await serialized(path, async () => writeAtomically(path, record, options));
  return path;
}

/**
 * Merges `patch` into the run's record and sets `updated_at`. Writers in one process are serialized,
 * so the engine's status updates and the CLI's `dashboard` field never undo each other. Throws
 * RunRecordError (CONDUCTOR_RUN_RECORD_NOT_FOUND) when the run has no record.
 */
export async function updateRunRecord(
  runId: string,
  patch: Partial<Omit<RunRecord, 'run_id'>>,
  options: WriteRunRecordOptions = {},
): Promise<RunRecord> {
  const path = recordPath(runId, options);
  // Synchronous calls inside: run.json is small, and this is on the path of every run's start and end.
  return serialized(path, async () => {
    const current = readRunRecordSync(runId, options);
    if (!current) {
      throw new RunRecordError(
        'CONDUCTOR_RUN_RECORD_NOT_FOUND',
        path,
        `run ${runId} has no record (${path}). Check the run id and CONDUCTOR_HOME.`,
      );
    }
    const next: RunRecord = { ...current, ...patch, run_id: runId, updated_at: new Date().toISOString() };
    writeAtomically(path, next, options);
    return next;
  });
}

export interface ListRunRecordsOptions extends RunRecordOptions {
  /** Called for each run.json that cannot be read (the error says which and why); it is left out. */
  onUnreadable?: (runId: string, error: unknown) => void;
}

/** Every run's record under `<home>/runs`, the most recently updated first. Unreadable ones are left out. */
export async function listRunRecords(options: ListRunRecordsOptions = {}): Promise<RunRecord[]> {
  const records: RunRecord[] = [];
  for (const runId of await listRunIds(options.home ?? conductorHome())) {
    const record = await readRunRecord(runId, options).catch((error: unknown) => {
      options.onUnreadable?.(runId, error);
      return null;
    });
    if (record) records.push(record);
  }
  return records.sort((a, b) => Date.parse(b.updated_at) - Date.parse(a.updated_at));
}

const queues = new Map<string, Promise<unknown>>();

function serialized<T>(key: string, task: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  const next = previous.then(task, task);
  const settled = next.then(
    () => {},
    () => {},
  );
  queues.set(key, settled);
  void settled.then(() => {
    if (queues.get(key) === settled) queues.delete(key);
  });
  return next;
}

function writeAtomically(path: string, record: RunRecord, options: WriteRunRecordOptions): void {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileAtomicSync(path, `${JSON.stringify(record, null, 2)}\n`, { durable: options.durable ?? true });
  } catch (error) {
    throw new RunRecordError('CONDUCTOR_RUN_RECORD_IO', path, `could not write ${path}: ${String(error)}`, {
      cause: error,
    });
  }
}

/**
 * The process a record names: the run's process while it runs, and the one serving its dashboard
 * afterwards. Check it with `processState`. Records written before start times were kept have only a
 * pid; that pid is then taken at its word on this host.
 */
export function recordedProcess(record: RunRecord): ProcessIdentity {
  return {
    pid: record.pid,
    start: record.process_start ?? null,
    host: record.host ?? currentProcess().host,
  };
}
