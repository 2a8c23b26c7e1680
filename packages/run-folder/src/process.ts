import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { errnoCode } from './errors.js';

/**
 * A process as it can be recognised later, even after its pid was given to another process: the pid
 * plus when the process started. On Linux the start is the boot id and the start time in clock ticks
 * since boot (`/proc/<pid>/stat`), so a process of an earlier boot never matches; elsewhere it is what
 * `ps -o lstart=` prints. `start` is null where neither can be read (then only the pid is known).
 */
export interface ProcessIdentity {
  pid: number;
  start: string | null;
  host: string;
}

/** `alive`: that very process runs. `dead`: it does not (its pid is free or belongs to another). `unknown`: it runs on another host, so this one cannot tell. */
export type ProcessState = 'alive' | 'dead' | 'unknown';

let bootId: string | null | undefined;
function currentBootId(): string | null {
  if (bootId === undefined) {
    try {
      bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
    } catch {
      bootId = null;
    }
  }
  return bootId;
}

interface ProcStat {
  state: string;
  pgrp: number;
  startTicks: string;
}

/** `/proc/<pid>/stat` parsed; null when there is no such process; undefined when /proc cannot tell. */
function procStat(pid: number): ProcStat | null | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ESRCH') return hasProc() ? null : undefined;
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces or ')': fields follow the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const pgrp = Number(fields[2]);
  const startTicks = fields[19];
  if (!state || !startTicks || !Number.isInteger(pgrp)) return undefined;
  return { state, pgrp, startTicks };
}

let procAvailable: boolean | undefined;
function hasProc(): boolean {
  if (procAvailable === undefined) {
    try {
      readFileSync('/proc/self/stat');
      procAvailable = true;
    } catch {
      procAvailable = false;
    }
  }
  return procAvailable;
}

/** When process `pid` started, in this host's terms; null when it does not exist or cannot be told. */
export function processStart(pid: number): string | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  if (hasProc()) {
    const stat = procStat(pid);
    if (stat === undefined) return null;
    if (stat === null || stat.state === 'Z' || stat.state === 'X') return null;
    return `linux:${currentBootId() ?? 'unknown-boot'}:${stat.startTicks}`;
  }
  if (process.platform === 'win32') return null;
  try {
    const lstart = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
    }).trim();
    return lstart ? `ps:${lstart}` : null;
  } catch {
    return null;
  }
}

/** The identity of process `pid` now, or null when no such process runs. */
export function identifyProcess(pid: number): ProcessIdentity | null {
  if (!pidExists(pid)) return null;
  return { pid, start: processStart(pid), host: hostname() };
}

let self: ProcessIdentity | undefined;
/** This process. */
export function currentProcess(): ProcessIdentity {
  self ??= { pid: process.pid, start: processStart(process.pid), host: hostname() };
  return self;
}

/** Whether two identities name the same process. */
export function sameProcess(a: ProcessIdentity, b: ProcessIdentity): boolean {
  return a.pid === b.pid && a.host === b.host && a.start === b.start;
}

/**
 * Whether the process `identity` names still runs. A pid that now belongs to another process (reused
 * after a crash or a reboot) is `dead`. Where the start time cannot be read, a live pid counts as alive.
 */
export function processState(identity: ProcessIdentity): ProcessState {
  if (identity.host !== hostname()) return 'unknown';
  if (!pidExists(identity.pid)) return 'dead';
  if (identity.start === null) return 'alive';
  const start = processStart(identity.pid);
  if (start === null) {
    // The pid exists but its start cannot be read now (a zombie, or no /proc and no ps).
    return hasProc() ? 'dead' : 'alive';
  }
  return start === identity.start ? 'alive' : 'dead';
}

function pidExists(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) === 'EPERM';
  }
}

/**
 * Whether any process of group `pgid` still runs. Where /proc lists processes, exited ones that nobody
 * has reaped yet (zombies, e.g. under an init that does not reap) do not count.
 */
export function processGroupExists(pgid: number): boolean {
  if (!Number.isInteger(pgid) || pgid <= 1) return false;
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    if (errnoCode(error) !== 'EPERM') return false;
  }
  if (!hasProc()) return true;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return true;
  }
  return pids.some((pid) => {
    const stat = procStat(Number(pid));
    return stat?.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X';
  });
}

/** The process group `pid` is in, where /proc tells (Linux); null otherwise. */
export function processGroupOf(pid: number): number | null {
  const stat = hasProc() ? procStat(pid) : undefined;
  return stat ? stat.pgrp : null;
}
