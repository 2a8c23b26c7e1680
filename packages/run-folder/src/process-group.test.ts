import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import {
  identifyProcess as identify,
  type ProcessIdentity,
  processGroupExists,
  processState,
} from './process.js';

/** The identity of a process this test just started (it runs, so it has one). */
function identifyProcess(pid: number): ProcessIdentity {
  const identity = identify(pid);
  if (!identity) throw new Error(`process ${pid} is not running`);
  return identity;
}

import { stopProcessGroup } from './process-group.js';

const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
});

/** A detached shell (its own group) with a child of its own, both sleeping. */
function group(): ChildProcess {
  const child = spawn('sh', ['-c', 'sleep 30 & sleep 30; wait'], { detached: true, stdio: 'ignore' });
  started.push(child);
  return child;
}

/** Zombies (exited, not yet reaped by this test process) do not count. */
const groupAlive = processGroupExists;

describe.skipIf(process.platform === 'win32')('stopProcessGroup', () => {
  it('stops the whole group of a recorded leader that still runs', async () => {
    const child = group();
    const pid = child.pid as number;
    const leader = identifyProcess(pid);
    expect(leader).not.toBeNull();
    expect(await stopProcessGroup({ leader: leader, pgid: pid })).toBe('stopped');
    expect(groupAlive(pid)).toBe(false);
  });

  it('leaves alone a process whose pid matches but whose start time does not (a reused pid)', async () => {
    const child = group();
    const pid = child.pid as number;
    const leader = identifyProcess(pid);
    const impostor = { ...leader, start: `${leader.start}-earlier` };
    expect(processState(impostor)).toBe('dead');
    expect(await stopProcessGroup({ leader: impostor, pgid: pid })).toBe('not-ours');
    expect(groupAlive(pid)).toBe(true);
  });

  it('says gone for a leader that has exited', async () => {
    const child = spawn('sleep', ['0.2'], { detached: true, stdio: 'ignore' });
    const leader = identifyProcess(child.pid as number);
    await new Promise((resolve) => child.once('exit', resolve));
    expect(await stopProcessGroup({ leader: leader, pgid: child.pid as number })).toBe('gone');
  });

  it('kills a group that ignores SIGTERM', async () => {
    const child = spawn('sh', ['-c', 'trap "" TERM; echo ready; while true; do sleep 0.05; done'], {
      detached: true,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    started.push(child);
    // Only once the trap is set does SIGTERM find it ignored.
    await new Promise((resolve) => child.stdout?.once('data', resolve));
    const pid = child.pid as number;
    const leader = identifyProcess(pid);
    expect(await stopProcessGroup({ leader, pgid: pid }, { graceMs: 200 })).toBe('killed');
    expect(groupAlive(pid)).toBe(false);
  });
});
