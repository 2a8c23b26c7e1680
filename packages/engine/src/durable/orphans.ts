import type { ConductorEvent, EventBus } from '@conductor/events';
import { type RecordedProcessGroup, type StopGroupResult, stopProcessGroup } from '@conductor/run-folder';

/** A child process the log says was started and never says ended: it may have outlived its owner. */
export interface UnfinishedChild extends RecordedProcessGroup {
  agentName: string;
  kind: string;
  /** Seq of its `child_process_spawned`. */
  seq: number;
}

/** Folds `child_process_spawned` / `_exited` events into the children still unaccounted for. */
export function createChildTracker() {
  const open = new Map<number, UnfinishedChild>();
  return {
    apply(event: ConductorEvent): void {
      const data = event.data;
      if (event.type === 'child_process_spawned' && typeof data.pid === 'number') {
        open.set(data.pid, {
          agentName: String(data.agent_name),
          kind: String(data.kind),
          seq: event.seq,
          pgid: typeof data.pgid === 'number' ? data.pgid : data.pid,
          leader: {
            pid: data.pid,
            start: typeof data.process_start === 'string' ? data.process_start : null,
            host: typeof data.host === 'string' ? data.host : '',
          },
        });
      } else if (event.type === 'child_process_exited' && typeof data.pid === 'number') {
        open.delete(data.pid);
      }
    },
    result(): UnfinishedChild[] {
      return [...open.values()];
    },
  };
}

/**
 * Stops the process groups an earlier owner left running (it was killed while a script ran), and
 * records each in the log, before anything runs again: a step is never run twice at once. Only a group
 * whose leader still runs with its recorded start time is signalled.
 */
export async function stopOrphans(
  children: readonly UnfinishedChild[],
  bus: Pick<EventBus, 'emit'>,
): Promise<Array<{ child: UnfinishedChild; result: StopGroupResult }>> {
  const outcomes: Array<{ child: UnfinishedChild; result: StopGroupResult }> = [];
  for (const child of children) {
    const result = await stopProcessGroup(child);
    outcomes.push({ child, result });
    if (result === 'stopped' || result === 'killed' || result === 'gone') {
      bus.emit('child_process_exited', {
        agent_name: child.agentName,
        pid: child.leader.pid,
        exit_code: null,
        signal: result === 'gone' ? null : result === 'killed' ? 'SIGKILL' : 'SIGTERM',
        stopped_by_resume: result !== 'gone',
      });
    }
  }
  return outcomes;
}
