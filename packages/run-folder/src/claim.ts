import { randomBytes } from 'node:crypto';
import {
  closeSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  statSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as v from 'valibot';
import { closeQuietly, unlinkQuietly, writeFileAtomicSync, writeWhole } from './atomic.js';
import { ClaimIoError, errnoCode } from './errors.js';
import { claimDir, conductorHome } from './paths.js';
import { currentProcess, type ProcessIdentity, processState, sameProcess } from './process.js';

/**
 * One owner per run. Owning a run means writing to it (a run, a resume) and being the control side of
 * its dashboard. Claims are files `runs/<id>/claims/<n>.json`, numbered 1, 2, 3... in turn: the claim
 * with the highest number is the run's owner, and `n` is the owner's generation (its fencing token).
 *
 * To claim, a process reads the highest claim. If that owner runs (pid and start time match) and has
 * not released it, the run is owned and the claimant stops. Otherwise it creates claim `n + 1`
 * exclusively: the file is written whole to a temp file, then hard-linked to its name, which fails if
 * the name exists. Of any number of claimants, exactly one creates `n + 1`; the others read it and stop.
 * No claim file is ever renamed or replaced by another process, so a dead owner's claim is taken over
 * without a race: its successor simply takes the next number.
 *
 * Claims are not fsynced: a claim only means something while its owner runs, and a machine that dies
 * takes its owners with it (after a reboot every claim of that host reads as dead, by its boot id).
 * Their files are tiny and handled with synchronous calls: thread-pool round trips cost more than the
 * calls themselves, and they are on the path of every run's start and end.
 */
export interface ClaimInfo {
  runId: string;
  generation: number;
  owner: ProcessIdentity;
  /** ISO 8601: when the claim was made. */
  since: string;
  /** What the owner does, e.g. `run`, `resume`. */
  purpose: string;
  /** ISO 8601 once the owner released the run (it ended, or stopped). */
  releasedAt: string | null;
  path: string;
}

/** The run's owner and whether it still holds the run. */
export interface OwnerStatus {
  claim: ClaimInfo;
  /**
   * `alive`: the owner runs and holds the run. `released`: it let go (the run ended or stopped).
   * `dead`: it died holding it (kill -9, a crash, a reboot). `unknown`: it runs on another host.
   */
  state: 'alive' | 'released' | 'dead' | 'unknown';
  /** The owner is this process. */
  thisProcess: boolean;
}

export interface RunClaim {
  readonly runId: string;
  readonly generation: number;
  readonly path: string;
  /** The claim this one followed, if any; `state: 'dead'` means its owner died holding the run. */
  readonly previous: OwnerStatus | null;
  readonly released: boolean;
  /** Lets go of the run (the file records when); safe to call twice. */
  release(): Promise<void>;
  /**
   * Takes the claim back as if it had never been made, for a claimant that then found nothing to do
   * (a resume of a run that had completed meanwhile): its file is removed, and the run folder too if
   * the claim was all it held.
   */
  abandon(): Promise<void>;
}

export interface ClaimOptions {
  /** `$CONDUCTOR_HOME`. Default: from the environment, else ~/.conductor. */
  home?: string;
  /** What the claimant is about to do, shown to whoever finds the run owned. Default `run`. */
  purpose?: string;
}

/** The run is owned by a process that still runs (or one on another host that cannot be checked). */
export class RunOwnedError extends Error {
  readonly code = 'CONDUCTOR_RUN_OWNED';
  readonly runId: string;
  readonly owner: OwnerStatus;
  constructor(runId: string, owner: OwnerStatus) {
    const { claim } = owner;
    const who = owner.thisProcess
      ? 'this process'
      : `process ${claim.owner.pid}${owner.state === 'unknown' ? ` on host ${claim.owner.host}` : ''}`;
    const advice = owner.thisProcess
      ? 'Wait for it to end (await its result) before resuming it again.'
      : owner.state === 'unknown'
        ? `This host cannot check a process on ${claim.owner.host}. Stop it there; if that host is gone for good, delete ${claim.path} and try again.`
        : `Stop it with \`conductor stop ${runId}\` (it writes a checkpoint) or wait for it to end, then resume it.`;
    super(
      `run ${runId} is owned by ${who} (conductor ${claim.purpose}, generation ${claim.generation}) since ${claim.since}; nothing was written. ${advice}`,
    );
    this.name = 'RunOwnedError';
    this.runId = runId;
    this.owner = owner;
  }
}

const ClaimFileSchema = v.object({
  run_id: v.string(),
  generation: v.pipe(v.number(), v.integer(), v.minValue(1)),
  pid: v.pipe(v.number(), v.integer()),
  process_start: v.nullable(v.string()),
  host: v.string(),
  since: v.string(),
  purpose: v.string(),
  released_at: v.optional(v.nullable(v.string()), null),
});

const CLAIM_FILE = /^(\d{1,15})\.json$/;

/**
 * Claims the run for this process, taking over from an owner that died. Throws {@link RunOwnedError}
 * (writing nothing) while another live process owns it, or this process does already.
 */
export async function claimRun(runId: string, options: ClaimOptions = {}): Promise<RunClaim> {
  const dir = claimDir(runId, options.home ?? conductorHome());
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new ClaimIoError('create', dir, error);
  }
  const me = currentProcess();
  for (;;) {
    const numbers = claimNumbers(dir);
    const highest = numbers.at(-1);
    const previous = highest === undefined ? null : ownerFrom(join(dir, `${highest}.json`), runId);
    if (previous && (previous.state === 'alive' || previous.state === 'unknown')) {
      throw new RunOwnedError(runId, previous);
    }
    const generation = (highest ?? 0) + 1;
    const path = join(dir, `${generation}.json`);
    const body = {
      run_id: runId,
      generation,
      pid: me.pid,
      process_start: me.start,
      host: me.host,
      since: new Date().toISOString(),
      purpose: options.purpose ?? 'run',
      released_at: null,
    };
    if (!createExclusively(dir, path, `${JSON.stringify(body, null, 2)}\n`)) continue;
    // A claimant that listed the folder long ago may create a number below the newest one (older
    // claims are pruned): the highest number is the owner, so that claim steps back and looks again.
    const after = claimNumbers(dir);
    if ((after.at(-1) ?? generation) > generation) {
      unlinkQuietly(path);
      continue;
    }
    let released = false;
    return {
      runId,
      generation,
      path,
      previous,
      get released() {
        return released;
      },
      async release() {
        if (released) return;
        released = true;
        const current = ownerFrom(path, runId);
        // Only ever our own file, and only while it is still ours.
        if (!current || !sameProcess(current.claim.owner, me) || current.claim.releasedAt) return;
        try {
          writeFileAtomicSync(
            path,
            `${JSON.stringify({ ...body, released_at: new Date().toISOString() }, null, 2)}\n`,
            { durable: false },
          );
        } catch (error) {
          throw new ClaimIoError('release the claim', path, error);
        }
        prune(dir, claimNumbers(dir), generation);
      },
      async abandon() {
        if (released) return;
        released = true;
        const current = ownerFrom(path, runId);
        if (!current || !sameProcess(current.claim.owner, me) || current.claim.releasedAt) return;
        unlinkQuietly(path);
        // Left only if empty: a folder that holds anything else is not ours to remove.
        rmdirQuietly(dir);
        rmdirQuietly(dirname(dir));
      },
    };
  }
}

/** Who owns the run now (its newest claim, and whether that owner still holds it); null if nobody ever did. */
export async function readOwner(runId: string, options: { home?: string } = {}): Promise<OwnerStatus | null> {
  const dir = claimDir(runId, options.home ?? conductorHome());
  const highest = claimNumbers(dir).at(-1);
  return highest === undefined ? null : ownerFrom(join(dir, `${highest}.json`), runId);
}

function claimNumbers(dir: string): number[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return [];
    throw new ClaimIoError('list', dir, error);
  }
  const numbers: number[] = [];
  for (const name of names) {
    const match = CLAIM_FILE.exec(name);
    if (match) numbers.push(Number(match[1]));
  }
  return numbers.sort((a, b) => a - b);
}

/** The claim at `path` and its owner's state; a claim that cannot be read is a dead owner's (null if gone). */
function ownerFrom(path: string, runId: string): OwnerStatus | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return null;
    throw new ClaimIoError('read', path, error);
  }
  const generation = Number(CLAIM_FILE.exec(basename(path))?.[1] ?? 0);
  let parsed: v.InferOutput<typeof ClaimFileSchema> | null = null;
  try {
    const result = v.safeParse(ClaimFileSchema, JSON.parse(text));
    if (result.success) parsed = result.output;
  } catch {
    // Damaged by hand: nobody can hold the run through it.
  }
  if (!parsed) {
    const claim: ClaimInfo = {
      runId,
      generation,
      owner: { pid: 0, start: null, host: '' },
      since: '',
      purpose: 'unknown',
      releasedAt: null,
      path,
    };
    return { claim, state: 'dead', thisProcess: false };
  }
  const claim: ClaimInfo = {
    runId,
    generation: parsed.generation,
    owner: { pid: parsed.pid, start: parsed.process_start, host: parsed.host },
    since: parsed.since,
    purpose: parsed.purpose,
    releasedAt: parsed.released_at,
    path,
  };
  const thisProcess = sameProcess(claim.owner, currentProcess());
  if (claim.releasedAt) return { claim, state: 'released', thisProcess };
  const state = thisProcess ? 'alive' : processState(claim.owner);
  return { claim, state, thisProcess };
}

/**
 * Creates `path` holding `content`, whole, only if it does not exist: written to a temp file, then
 * hard-linked to its name (the link is atomic and fails when the name is taken). Where the file system
 * has no hard links, an exclusive create is used instead. False when the name is taken.
 */
function createExclusively(dir: string, path: string, content: string): boolean {
  const temp = join(dir, `.claim-${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fd = openSync(temp, 'wx', 0o600);
    try {
      writeWhole(fd, content);
    } finally {
      closeQuietly(fd);
    }
  } catch (error) {
    unlinkQuietly(temp);
    throw new ClaimIoError('write', temp, error);
  }
  try {
    linkSync(temp, path);
    return true;
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'EEXIST') return false;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'EXDEV') {
      return createWithoutLink(path, content);
    }
    throw new ClaimIoError('create', path, error);
  } finally {
    unlinkQuietly(temp);
  }
}

function createWithoutLink(path: string, content: string): boolean {
  try {
    const fd = openSync(path, 'wx', 0o600);
    try {
      writeWhole(fd, content);
    } finally {
      closeSync(fd);
    }
    return true;
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') return false;
    throw new ClaimIoError('create', path, error);
  }
}

function rmdirQuietly(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Not empty, or gone: either way not ours to remove.
  }
}

/** Keeps the newest claim and the one before it (who owned the run last); removes stale temp files. */
function prune(dir: string, numbers: number[], generation: number): void {
  for (const n of numbers) {
    if (n < generation - 1) unlinkQuietly(join(dir, `${n}.json`));
  }
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const hourAgo = Date.now() - 60 * 60 * 1000;
  for (const name of names) {
    if (!name.startsWith('.claim-') || !name.endsWith('.tmp')) continue;
    const file = join(dir, name);
    try {
      if (statSync(file).mtimeMs < hourAgo) unlinkQuietly(file);
    } catch {
      // Gone meanwhile.
    }
  }
}
