import type { ChildProcess } from 'node:child_process';
import { identifyProcess } from '@conductor/run-folder';
import type { StepContext } from './types.js';

/**
 * Records a child process the engine started (a script, a stdio MCP server) in the run's log: its pid,
 * process group and start time when it starts, and its exit. A resume after its owner died stops a
 * recorded group that never exited (`stopProcessGroup` of @conductor/run-folder), checked by start time
 * so that a pid reused by another process is never signalled.
 */
export function recordChildProcess(
  ctx: Pick<StepContext, 'emit' | 'step'>,
  child: ChildProcess,
  details: { kind: string; command?: string },
): void {
  const pid = child.pid;
  if (pid === undefined) return;
  const identity = identifyProcess(pid);
  const agent_name = ctx.step.name;
  ctx.emit('child_process_spawned', {
    agent_name,
    kind: details.kind,
    pid,
    // Started detached, the child leads a process group of its own.
    pgid: pid,
    process_start: identity?.start ?? null,
    host: identity?.host ?? '',
    ...(details.command === undefined ? {} : { command: details.command }),
  });
  child.once('exit', (code, signal) => {
    ctx.emit('child_process_exited', { agent_name, pid, exit_code: code, signal });
  });
}
