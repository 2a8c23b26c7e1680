import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkpointDir, listCheckpoints, loadCheckpoint } from '@conductor/checkpoint';
import { eventLogPath } from '@conductor/event-log';
import type { ConductorEvent } from '@conductor/events';
import { readRunRecord } from '@conductor/run-folder';
import { describe, expect, it } from 'vitest';
import { resumeWorkflow } from '../launch/resume-workflow.js';
import { runWorkflow } from '../launch/run-workflow.js';
import { readLog, tempSpace, writeWorkflow } from '../testing/durable.js';
import { workflowOf } from '../testing/support.js';

const ofType = (events: ConductorEvent[], type: string) => events.filter((e) => e.type === type);

function chain(count: number, runtime = '', limits = ''): string {
  const steps = Array.from({ length: count }, (_, i) => {
    const next = i + 1 < count ? `\n    routes: [{ to: s${i + 2} }]` : '';
    return `  - name: s${i + 1}\n    type: set\n    value: ${i + 1}${next}`;
  });
  return `workflow:\n  name: chain\n  entry_point: s1\n${runtime}${limits}agents:\n${steps.join('\n')}\n`;
}

describe('periodic checkpoints', () => {
  it('every_agent saves one after each step boundary and deletes them when the run succeeds', async () => {
    const { home, dir } = await tempSpace();
    const path = await writeWorkflow(
      dir,
      'chain.yaml',
      chain(4, '  runtime:\n    checkpoint:\n      every_agent: true\n'),
    );
    const run = runWorkflow(path, { home });
    // Whether each announced checkpoint is on disk at the moment it is announced.
    const seen: [string, boolean][] = [];
    run.bus.subscribe((event) => {
      if (event.type === 'checkpoint_saved')
        seen.push([String(event.data.path), existsSync(String(event.data.path))]);
    });
    const result = await run;
    expect(result.status).toBe('completed');
    const { events } = await readLog(eventLogPath(run.runId, home));
    const saved = ofType(events, 'checkpoint_saved');
    // Boundaries before s2, s3, s4 (none before the first step: nothing to keep yet).
    expect(saved.map((e) => [e.data.agent_name, e.data.trigger])).toEqual([
      ['s2', 'periodic'],
      ['s3', 'periodic'],
      ['s4', 'periodic'],
    ]);
    expect(seen).toEqual(saved.map((e) => [e.data.path, true]));
    expect(await readdir(checkpointDir(run.runId, home))).toEqual([]);
    expect(await readRunRecord(run.runId, { home })).toMatchObject({
      status: 'completed',
      last_checkpoint_path: null,
    });
  });

  it('keep_last prunes older periodic checkpoints; a failure checkpoint is kept beside them', async () => {
    const { home, dir } = await tempSpace();
    const yaml = chain(
      5,
      '  runtime:\n    checkpoint:\n      every_agent: true\n      keep_last: 2\n',
    ).replace(
      '  - name: s5\n    type: set\n    value: 5',
      '  - name: s5\n    type: script\n    command: conductor-missing-command-5',
    );
    const path = await writeWorkflow(dir, 'chain.yaml', yaml);
    const run = runWorkflow(path, { home });
    const result = await run;
    expect(result).toMatchObject({ status: 'failed', error: { step: 's5' } });
    const { checkpoints } = await listCheckpoints({ home, runId: run.runId });
    expect(checkpoints.map((c) => [c.trigger, c.current_step])).toEqual([
      ['failure', 's5'],
      ['periodic', 's5'],
      ['periodic', 's4'],
    ]);
    const { events } = await readLog(eventLogPath(run.runId, home));
    expect(ofType(events, 'checkpoint_saved')).toHaveLength(5);
    // A periodic checkpoint holds the state at its boundary: s4 not yet run.
    const atS4 = await loadCheckpoint(checkpoints[2]?.path as string);
    expect(atS4.context.step_outputs).toEqual({ s1: 1, s2: 2, s3: 3 });
    expect(atS4.last_seq).toBe(
      (ofType(events, 'checkpoint_saved').find((e) => e.data.path === checkpoints[2]?.path)?.seq ?? 0) - 1,
    );
  });

  it('every_seconds saves at a boundary once that many seconds passed since the last one', async () => {
    const { home, dir } = await tempSpace();
    const path = await writeWorkflow(
      dir,
      'chain.yaml',
      chain(6, '  runtime:\n    checkpoint:\n      every_seconds: 10\n'),
    );
    // Time moves 6 s per step (advanced by a hook that runs after the engine's boundary check), so
    // 10 s have passed at every second boundary.
    let now = 1_000;
    const run = runWorkflow(path, {
      home,
      clock: () => now,
      hooks: {
        onStepBoundary: () => {
          now += 6;
        },
      },
    });
    expect((await run).status).toBe('completed');
    const { events } = await readLog(eventLogPath(run.runId, home));
    expect(ofType(events, 'checkpoint_saved').map((e) => e.data.agent_name)).toEqual(['s3', 's5']);
  });
});

describe('checkpoints when a run stops', () => {
  it('trigger iteration_limit at max_iterations, and resume continues counting from the restored iteration', async () => {
    const { home, dir } = await tempSpace();
    const path = await writeWorkflow(dir, 'chain.yaml', chain(4, '', '  limits:\n    max_iterations: 2\n'));
    const run = runWorkflow(path, { home });
    const result = await run;
    expect(result.error?.type).toBe('MaxIterationsExceeded');
    const checkpoint = await loadCheckpoint(result.checkpointPath as string);
    expect(checkpoint).toMatchObject({
      trigger: 'iteration_limit',
      current_step: 's3',
      context: { current_iteration: 2 },
    });
    expect(checkpoint.limits.max_iterations).toBe(2);
    // Unchanged workflow: the limit still holds, so the resumed run stops again before s3.
    const again = await resumeWorkflow({ runId: run.runId, home });
    expect(again).toMatchObject({
      status: 'failed',
      error: { type: 'MaxIterationsExceeded', step: 's3' },
      iterations: 2,
    });
    // Raised in the file: the resume finishes, 4 iterations in all.
    await writeFile(path, chain(4, '', '  limits:\n    max_iterations: 4\n'));
    const done = await resumeWorkflow({ runId: run.runId, home });
    expect(done).toMatchObject({ status: 'completed', output: 4, iterations: 4 });
  });

  it('trigger timeout when the workflow timeout is reached', async () => {
    const { home, dir } = await tempSpace();
    const path = await writeWorkflow(
      dir,
      'slow.yaml',
      'workflow:\n  name: slow\n  entry_point: a\n  limits:\n    timeout_seconds: 0.05\nagents:\n  - name: a\n    type: wait\n    duration: 1h\n',
    );
    const result = await runWorkflow(path, { home });
    expect(result.error?.type).toBe('TimeoutError');
    expect(await loadCheckpoint(result.checkpointPath as string)).toMatchObject({
      trigger: 'timeout',
      current_step: 'a',
    });
  });

  it('writes none after an explicit terminate with status failed', async () => {
    const { home, dir } = await tempSpace();
    const path = await writeWorkflow(
      dir,
      'stop.yaml',
      'workflow:\n  name: stop\n  entry_point: a\n  runtime:\n    checkpoint:\n      every_agent: true\nagents:\n  - name: a\n    type: set\n    value: 1\n    routes: [{ to: b }]\n  - name: b\n    type: terminate\n    status: failed\n    reason: no\n',
    );
    const run = runWorkflow(path, { home });
    const result = await run;
    expect(result.status).toBe('failed');
    expect(result.checkpointPath).toBeUndefined();
    expect(await readdir(checkpointDir(run.runId, home))).toEqual([]);
    const { events } = await readLog(eventLogPath(run.runId, home));
    expect(ofType(events, 'workflow_failed')).toHaveLength(0);
    // The periodic one written before b was removed with the end of the run.
    expect(ofType(events, 'checkpoint_saved')).toHaveLength(1);
  });

  it('a checkpoint that cannot be saved: checkpoint_save_failed, workflow_failed says why, the run ends cleanly', async () => {
    const { home, dir } = await tempSpace();
    const path = await writeWorkflow(
      dir,
      'fails.yaml',
      'workflow:\n  name: fails\n  entry_point: a\nagents:\n  - name: a\n    type: script\n    command: conductor-missing-command-9\n',
    );
    // The checkpoints folder cannot be created: a file is in its way.
    await mkdir(join(home, 'runs', 'unsaveable'), { recursive: true });
    await writeFile(join(home, 'runs', 'unsaveable', 'checkpoints'), 'not a folder');
    const result = await runWorkflow(path, { home, runId: 'unsaveable' });
    expect(result).toMatchObject({ status: 'failed', error: { type: 'ScriptNotFound' } });
    expect(result.checkpointPath).toBeUndefined();
    const { events, skipped } = await readLog(eventLogPath('unsaveable', home));
    expect(skipped).toBe(0);
    expect(ofType(events, 'checkpoint_save_failed')[0]?.data).toMatchObject({
      agent_name: 'a',
      trigger: 'failure',
      consecutive_failures: 1,
    });
    const failed = events.at(-1);
    expect(failed?.type).toBe('workflow_failed');
    expect(String(failed?.data.checkpoint_unavailable_reason)).toContain('could not be saved');
    expect(await readRunRecord('unsaveable', { home })).toMatchObject({
      status: 'failed',
      last_checkpoint_path: null,
    });
  });

  it('a workflow built in code gets no checkpoint, and workflow_failed says why', async () => {
    const { home } = await tempSpace();
    const run = runWorkflow(
      workflowOf([{ name: 'a', type: 'script', command: 'conductor-missing-command-3' }]),
      { home },
    );
    await run;
    const { events } = await readLog(eventLogPath(run.runId, home));
    expect(events.at(-1)?.data.checkpoint_unavailable_reason).toMatch(/not loaded from a file/);
    expect(ofType(events, 'checkpoint_save_failed')).toHaveLength(0);
  });
});
