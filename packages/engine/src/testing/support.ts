// Helpers for the engine's tests (not exported from the package).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConductorEvent, EventBus } from '@conductor/events';
import type {
  LoadedWorkflow,
  StepDefinition,
  WorkflowDefinition,
  WorkflowSettings,
} from '../workflow/types.js';

// Every run writes runs/<id>/ under CONDUCTOR_HOME: tests that import these helpers never write to
// the user's ~/.conductor, and repeated run ids of different tests never meet.
process.env.CONDUCTOR_HOME = mkdtempSync(join(tmpdir(), 'conductor-engine-home-'));

/** A loaded workflow built in code: `steps` run from the first one unless `entry_point` says otherwise. */
export function workflowOf(
  steps: StepDefinition[],
  settings: Partial<WorkflowSettings> = {},
  extra: { output?: Record<string, string>; path?: string } = {},
): LoadedWorkflow {
  const definition: WorkflowDefinition = {
    workflow: { name: 'test', entry_point: steps[0]?.name ?? 'none', ...settings },
    agents: steps,
    ...(extra.output ? { output: extra.output } : {}),
  };
  return { definition, ...(extra.path ? { path: extra.path } : {}), source: '', hash: '' };
}

/** Resolves with the first event of `type` (and matching `where`) the bus delivers from now on. */
export function nextEvent(
  bus: EventBus,
  type: string,
  where: (event: ConductorEvent) => boolean = () => true,
): Promise<ConductorEvent> {
  return new Promise((resolve) => {
    const off = bus.subscribe((event) => {
      if (event.type === type && where(event)) {
        off();
        resolve(event);
      }
    });
  });
}

/**
 * Options for the framework's waits (`vi.waitFor`, `expect.poll`) in the engine's tests: a deadline that
 * holds on a loaded machine, polled often so a test goes on as soon as its condition holds.
 */
export const WAIT = { timeout: 10_000, interval: 5 } as const;

/** The events of one type. */
export function ofType(events: ConductorEvent[], type: string): ConductorEvent[] {
  return events.filter((event) => event.type === type);
}

export function typesOf(events: ConductorEvent[]): string[] {
  return events.map((event) => event.type);
}

export function find(events: ConductorEvent[], type: string): ConductorEvent {
  const event = events.find((e) => e.type === type);
  if (!event) throw new Error(`no ${type} event among ${typesOf(events).join(', ')}`);
  return event;
}

/** Whether a process runs (a zombie waiting for its reaper counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}
