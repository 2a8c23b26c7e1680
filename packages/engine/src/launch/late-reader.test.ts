import { readFileSync } from 'node:fs';
import type { ConductorEvent } from '@conductor/events';
import { describe, expect, it } from 'vitest';
import { workflowOf } from '../testing/support.js';
import type { StepDefinition } from '../workflow/types.js';
import { runWorkflow } from './run-workflow.js';

const STEPS = 300;
const loop: StepDefinition[] = [
  {
    name: 'count',
    type: 'set',
    values: { n: '{{ context.iteration }}' },
    routes: [{ to: 'count', when: `context.iteration < ${STEPS}` }, { to: '$end' }],
  },
];
const workflow = () =>
  workflowOf(loop, { limits: { max_iterations: STEPS + 1 } }, { path: '/tmp/flows/loop.yaml' });

async function readAll(events: AsyncIterable<ConductorEvent>): Promise<ConductorEvent[]> {
  const all: ConductorEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

function logOf(path: string): ConductorEvent[] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as ConductorEvent);
}

describe('run.events read late', () => {
  it('gives every event of a run that has ended, from seq 1, as the log has them', async () => {
    const run = runWorkflow(workflow());
    const result = await run;
    const events = await readAll(run.events);
    expect(events.map((event) => event.seq)).toEqual(Array.from({ length: result.lastSeq }, (_, i) => i + 1));
    const started = events.find((event) => event.type === 'workflow_started');
    const log = logOf(String(started?.data.log_file));
    expect(events).toEqual(log);
    expect(events.at(-1)?.type).toBe('workflow_completed');
  });

  it('gives every event once when reading starts mid-run, then follows the run live', async () => {
    const run = runWorkflow(workflow());
    await run.started;
    // Let part of the loop run before the reader starts.
    await new Promise<void>((resolve) => {
      const stop = run.bus.subscribe((event) => {
        if (event.type === 'route_taken' && event.seq > 150) {
          stop();
          resolve();
        }
      });
    });
    const events = await readAll(run.events);
    const result = await run;
    expect(events.map((event) => event.seq)).toEqual(Array.from({ length: result.lastSeq }, (_, i) => i + 1));
    expect(events.filter((event) => event.type === 'set_completed')).toHaveLength(STEPS);
  });

  it('keeps the events in memory when the run keeps no log', async () => {
    const run = runWorkflow(workflow(), { eventLog: false });
    const result = await run;
    const events = await readAll(run.events);
    expect(events.map((event) => event.seq)).toEqual(Array.from({ length: result.lastSeq }, (_, i) => i + 1));
    expect(events.at(-1)?.type).toBe('workflow_completed');
  });

  it('stops following when the reader breaks out', async () => {
    const run = runWorkflow(workflow());
    await run.started;
    let read = 0;
    for await (const _event of run.events) {
      read += 1;
      if (read === 5) break;
    }
    expect(read).toBe(5);
    expect((await run).status).toBe('completed');
  });
});
