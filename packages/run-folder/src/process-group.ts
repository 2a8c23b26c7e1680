import { setTimeout as delay } from 'node:timers/promises';
import { errnoCode } from './errors.js';
import { type ProcessIdentity, processGroupExists, processGroupOf, processState } from './process.js';

/** A child process group as the engine records it (in the log) when it starts one. */
export interface RecordedProcessGroup {
  /** The group's leader: the process the engine started, as it can be recognised later. */
  leader: ProcessIdentity;
  /** Its process group (the leader's pid for a child started detached). */
  pgid: number;
}

/**
 * `gone`: nothing of it runs. `stopped`: it ended after SIGTERM. `killed`: it needed SIGKILL.
 * `not-ours`: the pid now belongs to another process, left alone. `unknown-host`: recorded on another
 * host. `survived`: it still runs after SIGKILL (a process that cannot be killed).
 */
export type StopGroupResult = 'gone' | 'stopped' | 'killed' | 'not-ours' | 'unknown-host' | 'survived';

export interface StopGroupOptions {
  /** How long to wait after SIGTERM before SIGKILL. Default 3000 ms. */
  graceMs?: number;
}

/**
 * Stops a process group left behind by a process that died (a script step's, a tool server's), and
 * waits until it is gone. It is signalled only while its recorded leader still runs with the recorded
 * start time: a pid reused by another process, or a group whose leader has exited (its id may then be
 * taken by an unrelated group), is never signalled.
 */
export async function stopProcessGroup(
  group: RecordedProcessGroup,
  options: StopGroupOptions = {},
): Promise<StopGroupResult> {
  const state = processState(group.leader);
  if (state === 'unknown') return 'unknown-host';
  if (state === 'dead') return processGroupOf(group.leader.pid) === null ? 'gone' : 'not-ours';
  const pgrp = processGroupOf(group.leader.pid);
  if (pgrp !== null && pgrp !== group.pgid) return 'not-ours';
  if (!signalGroup(group.pgid, 'SIGTERM')) return 'gone';
  if (await groupEnds(group.pgid, options.graceMs ?? 3000)) return 'stopped';
  if (!signalGroup(group.pgid, 'SIGKILL')) return 'killed';
  return (await groupEnds(group.pgid, 5000)) ? 'killed' : 'survived';
}

function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'ESRCH') return false;
    throw error;
  }
}

async function groupEnds(pgid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
    if (!processGroupExists(pgid)) return true;
    if (Date.now() >= deadline) return false;
    await delay(wait);
  }
}
