import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadCheckpoint } from '@conductor/checkpoint';
import { eventLogPath } from '@conductor/event-log';
import { type ConductorEvent, projectEvents } from '@conductor/events';
import { describe, expect, it } from 'vitest';
import { resumeWorkflow } from '../launch/resume-workflow.js';
import { runWorkflow } from '../launch/run-workflow.js';
import { readLog, tempSpace, writeWorkflow } from '../testing/durable.js';
import { createLatches } from '../testing/latches.js';
import { nextEvent, WAIT, workflowOf } from '../testing/support.js';
import type { LoadedWorkflow, StepDefinition } from '../workflow/types.js';

const ITEMS = ['a', 'b', 'c', 'd', 'e'];

/** `each`: a for-each group of latch steps over `workflow.input.items`, two at a time. */
function forEachOfLatches(path: string): LoadedWorkflow {
  const workflow = workflowOf([{ name: 'unused', type: 'set', value: 0 }], { entry_point: 'each' }, { path });
  workflow.definition.for_each = [
    {
      name: 'each',
      type: 'for_each',
      source: 'workflow.input.items',
      as: 'item',
      max_concurrent: 2,
      agent: { type: 'latch' } as never,
    },
  ];
  return workflow;
}

/** Stops the run once items 0 and 2 finished while 1 and 3 are running. */
async function stopMidGroup(workflow: LoadedWorkflow, home: string, options: { checkpoints?: boolean } = {}) {
  const latches = createLatches();
  const run = runWorkflow(workflow, {
    home,
    inputs: { items: ITEMS },
    executors: latches.executors,
    ...options,
  });
  await expect.poll(latches.waiting, WAIT).toEqual(expect.arrayContaining(['0', '1']));
  latches.release('0', 'first 0');
  await expect.poll(latches.waiting, WAIT).toEqual(expect.arrayContaining(['2']));
  latches.release('2', 'first 2');
  await expect.poll(latches.waiting, WAIT).toEqual(expect.arrayContaining(['3']));
  run.stop();
  const result = await run;
  expect(result.status).toBe('interrupted');
  return { run, result };
}

/** Resumes and lets every item it starts finish; returns the items it started. */
async function resumeAndFinish(runId: string, home: string, workflow: LoadedWorkflow) {
  const latches = createLatches();
  const resumed = resumeWorkflow({ runId, home, workflow, executors: latches.executors });
  await expect.poll(latches.waiting, WAIT).toEqual(expect.arrayContaining(['1', '3']));
  latches.release('1', 'second 1');
  latches.release('3', 'second 3');
  await expect.poll(latches.waiting, WAIT).toEqual(expect.arrayContaining(['4']));
  latches.release('4', 'second 4');
  const result = await resumed;
  return { result, started: [...latches.started] };
}

const itemStarts = (events: ConductorEvent[]) => {
  const counts: Record<number, number> = {};
  for (const event of events) {
    if (event.type === 'for_each_item_started') {
      const index = event.data.index as number;
      counts[index] = (counts[index] ?? 0) + 1;
    }
  }
  return counts;
};

describe('resume inside groups', () => {
  it('a for-each group stopped midway resumes from its checkpoint without running the finished items again', async () => {
    const { home, dir } = await tempSpace();
    const workflow = forEachOfLatches(join(dir, 'each.yaml'));
    const { run, result } = await stopMidGroup(workflow, home);

    const checkpoint = await loadCheckpoint(String(result.checkpointPath));
    expect(checkpoint.current_step).toBe('each');
    expect(checkpoint.context.groups).toEqual({
      each: { completed: { '0': 'first 0', '2': 'first 2' }, item_count: 5 },
    });

    const { result: resumed, started } = await resumeAndFinish(run.runId, home, workflow);
    expect(resumed.status).toBe('completed');
    expect(started.sort()).toEqual(['1', '3', '4']);
    expect(resumed.output).toEqual({
      type: 'for_each',
      outputs: ['first 0', 'second 1', 'first 2', 'second 3', 'second 4'],
      errors: {},
      count: 5,
    });

    const { events } = await readLog(eventLogPath(run.runId, home));
    // Each item that finished before the stop started exactly once in the whole log.
    expect(itemStarts(events)).toEqual({ 0: 1, 1: 2, 2: 1, 3: 2, 4: 1 });
    const generation1 = events.slice(events.findIndex((e) => e.type === 'workflow_resumed'));
    expect(generation1.find((e) => e.type === 'for_each_started')?.data).toMatchObject({
      item_count: 5,
      resumed_count: 2,
    });
    const state = projectEvents(events);
    expect(state.run.status).toBe('completed');
    expect(state.groups.each).toMatchObject({ status: 'completed', completed: 5, failed: 0 });
  });

  it('a for-each group of a killed run (no checkpoint, log cut mid-group) resumes from the log alone', async () => {
    const { home, dir } = await tempSpace();
    const workflow = forEachOfLatches(join(dir, 'each.yaml'));
    const { run } = await stopMidGroup(workflow, home, { checkpoints: false });
    // A kill leaves the log as it was at that instant: cut it after the last item that completed.
    const logPath = eventLogPath(run.runId, home);
    const { events: before } = await readLog(logPath);
    const keep = before.findLastIndex((e) => e.type === 'for_each_item_completed') + 1;
    const text = await readFile(logPath, 'utf8');
    await writeFile(logPath, `${text.split('\n').slice(0, keep).join('\n')}\n`);
    await rm(join(home, 'runs', run.runId, 'run.json'));

    const { result, started } = await resumeAndFinish(run.runId, home, workflow);
    expect(result.status).toBe('completed');
    expect(started.sort()).toEqual(['1', '3', '4']);
    expect(result.output).toMatchObject({
      outputs: ['first 0', 'second 1', 'first 2', 'second 3', 'second 4'],
    });
    const { events } = await readLog(logPath);
    expect(events.find((e) => e.type === 'workflow_resumed')?.data).toMatchObject({
      resumed_at_step: 'each',
      state_source: 'log',
    });
    // Item 3 had started after the cut: the log shows only its second start.
    expect(itemStarts(events)).toEqual({ 0: 1, 1: 2, 2: 1, 3: 1, 4: 1 });
  });

  it('a stop reaches a long group of quick items mid-way (the group lets the event loop turn); resume runs the rest', async () => {
    const { home, dir } = await tempSpace();
    const workflow = workflowOf(
      [{ name: 'unused', type: 'set', value: 0 }],
      { entry_point: 'each' },
      {
        path: join(dir, 'quick.yaml'),
      },
    );
    workflow.definition.for_each = [
      {
        name: 'each',
        type: 'for_each',
        source: 'workflow.input.items',
        as: 'item',
        max_concurrent: 100,
        agent: { type: 'set', value: '{{ item * 2 }}' },
      },
    ];
    const items = Array.from({ length: 5000 }, (_, index) => index);
    const run = runWorkflow(workflow, { home, inputs: { items } });
    // A timer, a signal or a socket is served only when the event loop turns: so is this stop.
    run.bus.subscribe((event) => {
      if (event.type === 'for_each_started') setImmediate(() => run.stop());
    });
    const stopped = await run;
    expect(stopped.status).toBe('interrupted');
    const checkpoint = await loadCheckpoint(String(stopped.checkpointPath));
    const progress = checkpoint.context.groups?.each as { completed: Record<string, unknown> } | undefined;
    const done = Object.keys(progress?.completed ?? {}).length;
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(items.length);

    const resumed = await resumeWorkflow({ runId: run.runId, home, workflow });
    expect(resumed.status).toBe('completed');
    expect(resumed.output).toMatchObject({ outputs: items.map((item) => item * 2), count: items.length });
    const { events } = await readLog(eventLogPath(run.runId, home));
    const starts = itemStarts(events);
    expect(Object.keys(starts)).toHaveLength(items.length);
    // The items done before the stop are not run again.
    expect(Object.values(starts).every((count) => count === 1)).toBe(true);
    expect(events.findLast((e) => e.type === 'for_each_started')?.data).toMatchObject({
      resumed_count: done,
    });
  });

  it('a parallel group resumes keeping the members that finished', async () => {
    const { home, dir } = await tempSpace();
    const members: StepDefinition[] = ['a', 'b', 'c'].map((name) => ({ name, type: 'latch' }) as never);
    const workflow = workflowOf(members, { entry_point: 'g' }, { path: join(dir, 'g.yaml') });
    workflow.definition.parallel = [{ name: 'g', agents: ['a', 'b', 'c'], routes: [{ to: '$end' }] }];

    for (const checkpoints of [true, false]) {
      const latches = createLatches();
      const run = runWorkflow(workflow, { home, executors: latches.executors, checkpoints });
      await expect.poll(latches.waiting, WAIT).toEqual(expect.arrayContaining(['a', 'b', 'c']));
      latches.release('b', 'b first');
      await nextEvent(run.bus, 'parallel_agent_completed');
      run.stop();
      const stopped = await run;
      expect(stopped.status).toBe('interrupted');
      if (checkpoints) {
        const checkpoint = await loadCheckpoint(String(stopped.checkpointPath));
        expect(checkpoint.context.groups).toEqual({ g: { completed: { b: 'b first' } } });
      } else {
        const logPath = eventLogPath(run.runId, home);
        const { events: before } = await readLog(logPath);
        const keep = before.findIndex((e) => e.type === 'parallel_agent_completed') + 1;
        const text = await readFile(logPath, 'utf8');
        await writeFile(logPath, `${text.split('\n').slice(0, keep).join('\n')}\n`);
        await rm(join(home, 'runs', run.runId, 'run.json'));
      }

      const again = createLatches();
      const resumed = resumeWorkflow({ runId: run.runId, home, workflow, executors: again.executors });
      await expect.poll(again.waiting, WAIT).toEqual(expect.arrayContaining(['a', 'c']));
      again.release('a', 'a second');
      again.release('c', 'c second');
      const result = await resumed;
      expect(result.status).toBe('completed');
      expect(again.started.sort()).toEqual(['a', 'c']);
      expect(result.output).toEqual({
        type: 'parallel',
        outputs: { a: 'a second', b: 'b first', c: 'c second' },
        errors: {},
      });
      const { events } = await readLog(eventLogPath(run.runId, home));
      const completions = events
        .filter((e) => e.type === 'parallel_agent_completed')
        .map((e) => e.data.agent_name);
      expect(completions.sort()).toEqual(['a', 'b', 'c']);
    }
  });

  it('a run stopped at a gate is checkpointed there, and the resume presents the gate again', async () => {
    const { home, dir } = await tempSpace();
    const path = await writeWorkflow(
      dir,
      'gate.yaml',
      `workflow:
  name: gated
  entry_point: prepare
agents:
  - name: prepare
    type: set
    value: draft 1
    routes:
      - to: approve
  - name: approve
    type: human_gate
    prompt: "Publish {{ prepare.output }}?"
    options:
      - { label: Publish, value: publish, route: $end }
      - { label: Drop, value: drop, route: $end }
`,
    );
    const first = runWorkflow(path, { home });
    for await (const event of first.events) if (event.type === 'gate_presented') first.stop();
    const stopped = await first;
    expect(stopped).toMatchObject({ status: 'interrupted', error: { type: 'Interrupted', step: 'approve' } });
    const checkpoint = await loadCheckpoint(String(stopped.checkpointPath));
    expect(checkpoint).toMatchObject({ current_step: 'approve', trigger: 'interrupt' });

    const resumed = resumeWorkflow({
      runId: first.runId,
      home,
      gates: {
        answer: async (request) => ({ value: request.prompt === 'Publish draft 1?' ? 'drop' : 'publish' }),
      },
    });
    const result = await resumed;
    expect(result).toMatchObject({
      status: 'completed',
      output: { selected: 'drop', value: 'drop', label: 'Drop', additional_input: {} },
    });
    const { events } = await readLog(eventLogPath(first.runId, home));
    expect(events.filter((e) => e.type === 'gate_presented')).toHaveLength(2);
    expect(events.filter((e) => e.type === 'set_started')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'gate_resolved').map((e) => e.data.selected_option)).toEqual([
      'drop',
    ]);
    expect(projectEvents(events).gate).toBeNull();
  });
});
