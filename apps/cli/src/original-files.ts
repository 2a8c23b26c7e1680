import { readdir, readFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { basename, join, parse } from 'node:path';
import { type CheckpointSummary, loadCheckpoint, type UnreadableCheckpoint } from '@conductor/checkpoint';
import { canonicalPath, errnoCode, processState } from '@conductor/run-folder';

// The original (Python) conductor's files where it leaves them by default: checkpoints in
// `$TMPDIR/conductor/checkpoints/`, event logs in `$TMPDIR/conductor/`, run records in
// `~/.conductor/runs/<run_id>.json` (our $CONDUCTOR_HOME, beside our run folders). They are only read.

/** Python's tempfile.gettempdir(): TMPDIR, TEMP, TMP, else the system's temp folder. */
export function originalTempDir(env: Record<string, string | undefined>): string {
  return env.TMPDIR || env.TEMP || env.TMP || tmpdir();
}

/** Where the original writes checkpoints by default. */
export function originalCheckpointDir(env: Record<string, string | undefined>): string {
  return join(originalTempDir(env), 'conductor', 'checkpoints');
}

export interface OriginalCheckpoints {
  dir: string;
  /** Newest first, migrated (run ids derived as `conductor resume --from` derives them). */
  checkpoints: CheckpointSummary[];
  unreadable: UnreadableCheckpoint[];
}

/** Every checkpoint in the original's checkpoint folder, newest first; a missing folder holds none. */
export async function listOriginalCheckpoints(
  env: Record<string, string | undefined>,
): Promise<OriginalCheckpoints> {
  const dir = originalCheckpointDir(env);
  const found: OriginalCheckpoints = { dir, checkpoints: [], unreadable: [] };
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith('.json'));
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return found;
    throw error;
  }
  for (const name of names) {
    const path = join(dir, name);
    try {
      const c = await loadCheckpoint(path);
      found.checkpoints.push({
        path,
        run_id: c.run_id,
        workflow_path: c.workflow_path,
        current_step: c.current_step,
        trigger: c.trigger,
        created_at: c.created_at,
        generation: c.generation,
        last_seq: c.last_seq,
        migrated_from: c.migrated_from ?? null,
      });
    } catch (error) {
      found.unreadable.push({ path, error: error as Error & { code?: string } });
    }
  }
  found.checkpoints.sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));
  return found;
}

/**
 * The original's checkpoints of a workflow file, newest first: those recording that file, and those
 * named after its stem (`<stem>-<YYYYMMDD-HHMMSS>-<8hex>.json`), which is how the original finds them.
 */
export async function originalCheckpointsFor(
  workflow: string,
  listing: OriginalCheckpoints,
): Promise<CheckpointSummary[]> {
  const target = await canonicalPath(workflow);
  const stem = parse(workflow).name;
  const named = new RegExp(`^${escapeRegExp(stem)}-\\d{8}-\\d{6}(-[0-9a-f]+)?\\.json$`);
  const mine: CheckpointSummary[] = [];
  for (const c of listing.checkpoints) {
    if (named.test(basename(c.path)) || (await canonicalPath(c.workflow_path)) === target) mine.push(c);
  }
  return mine;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A run record of the original conductor (`runs/<run_id>.json`), deleted by it when the run exits. */
export interface OriginalRunRecord {
  file: string;
  run_id: string;
  pid: number;
  workflow_path: string | null;
  workflow_name: string | null;
  started_at: string | null;
  event_log_path: string | null;
  port: number | null;
  mode: string | null;
  checkpoint_dir: string | null;
  /** Its process is alive (a record whose process is gone is stale: the run was killed). */
  alive: boolean;
}

/** The original's run records under `<home>/runs`; unreadable ones are left out. */
export async function listOriginalRunRecords(home: string): Promise<OriginalRunRecord[]> {
  const dir = join(home, 'runs');
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isFile() && e.name.endsWith('.json'))
      .map((e) => e.name);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return [];
    throw error;
  }
  const records: OriginalRunRecord[] = [];
  for (const name of names.sort()) {
    const file = join(dir, name);
    let raw: Record<string, unknown>;
    try {
      raw = JSON.parse(await readFile(file, 'utf8'));
    } catch {
      continue;
    }
    if (typeof raw !== 'object' || raw === null || !Number.isInteger(raw.pid)) continue;
    const text = (key: string) => (typeof raw[key] === 'string' ? (raw[key] as string) : null);
    const pid = raw.pid as number;
    records.push({
      file,
      run_id: text('run_id') || name.slice(0, -'.json'.length),
      pid,
      workflow_path: text('workflow_path'),
      workflow_name: text('workflow_name'),
      started_at: text('started_at'),
      event_log_path: text('event_log_path'),
      port: Number.isInteger(raw.port) ? (raw.port as number) : null,
      mode: text('mode'),
      checkpoint_dir: text('checkpoint_dir'),
      alive: processState({ pid, host: hostname(), start: null }) === 'alive',
    });
  }
  return records;
}
