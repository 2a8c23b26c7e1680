import { appendFile, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  deleteCheckpoints,
  hashWorkflowSource,
  listCheckpoints,
  loadCheckpoint,
} from '@conductor/checkpoint';
import { eventLogPath } from '@conductor/event-log';
import { projectEvents } from '@conductor/events';
import { readRunRecord } from '@conductor/run-folder';
import { describe, expect, it } from 'vitest';
import { resumeWorkflow } from '../launch/resume-workflow.js';
import { runWorkflow } from '../launch/run-workflow.js';
import {
  expectStrictlyIncreasing,
  fiveSteps,
  readLog,
  snapshotFiles,
  startsByStep,
  tempSpace,
  testWorkflow,
  writeWorkflow,
} from '../testing/durable.js';
import { nextEvent, ofType } from '../testing/support.js';

/** A five-step run that never failed: the output every resumed run must reach. */
async function uninterruptedOutput(dir: string, home: string): Promise<unknown> {
  const path = await writeWorkflow(dir, 'clean.yaml', fiveSteps());
  const marker = join(dir, 'clean-marker');
  await writeFile(marker, '');
  const result = await runWorkflow(path, { home, inputs: { marker } });
  expect(result.status).toBe('completed');
  return result.output;
}

describe('resumeWorkflow after a failed step', () => {
  it('continues at the failed step without re-running earlier ones, and reaches the same output', async () => {
    const { home, dir } = await tempSpace();
    const expected = await uninterruptedOutput(dir, home);
    expect(expected).toEqual({ text: 'hello 4 #5', steps: 'one,two,three,four,five' });

    const path = await writeWorkflow(dir, 'five.yaml', fiveSteps());
    const marker = join(dir, 'marker');
    const first = runWorkflow(path, { home, inputs: { marker } });
    const failed = await first;
    expect(failed).toMatchObject({ status: 'failed', error: { type: 'ScriptFailed', step: 'three' } });
    const runId = first.runId;
    const logPath = eventLogPath(runId, home);

    // The failure left a checkpoint, announced before workflow_failed, which names it.
    const before = (await readLog(logPath)).events;
    const saved = ofType(before, 'checkpoint_saved');
    expect(saved).toHaveLength(1);
    expect(saved[0]?.data).toMatchObject({
      agent_name: 'three',
      error_type: 'ScriptFailed',
      trigger: 'failure',
    });
    expect(before.at(-1)?.type).toBe('workflow_failed');
    expect(before.at(-1)?.data.checkpoint_path).toBe(saved[0]?.data.path);
    expect(failed.checkpointPath).toBe(saved[0]?.data.path);
    expect(before[0]?.data.log_file).toBe(logPath);

    const checkpoint = await loadCheckpoint(String(saved[0]?.data.path));
    expect(checkpoint).toMatchObject({
      run_id: runId,
      generation: 0,
      workflow_path: path,
      workflow_hash: hashWorkflowSource(await readFile(path, 'utf8')),
      trigger: 'failure',
      failure: { error_type: 'ScriptFailed', agent_name: 'three' },
      inputs: { marker, marker2: 'none' },
      current_step: 'three',
      event_log_path: logPath,
      limits: { max_iterations: 10, timeout_seconds: null },
    });
    expect(checkpoint.context.step_outputs).toEqual({
      one: { greeting: 'hello' },
      two: { stdout: '{"n": 4}\n', stderr: '', exit_code: 0, n: 4 },
    });
    expect(checkpoint.context.current_iteration).toBe(2);
    // last_seq: everything up to the failure of step three, before checkpoint_saved.
    expect(checkpoint.last_seq).toBe((saved[0]?.seq ?? 0) - 1);
    expect(await readRunRecord(runId, { home })).toMatchObject({
      status: 'failed',
      last_checkpoint_path: saved[0]?.data.path,
      generation: 0,
    });

    await writeFile(marker, '');
    const resumed = resumeWorkflow({ runId, home });
    expect(resumed.runId).toBe(runId);
    const result = await resumed;
    expect(result.status).toBe('completed');
    expect(result.output).toEqual(expected);

    const { events, skipped } = await readLog(logPath);
    expect(skipped).toBe(0);
    expectStrictlyIncreasing(events);
    expect(startsByStep(events)).toEqual({ one: 1, two: 1, three: 2, four: 1, five: 1 });
    const resumedEvent = ofType(events, 'workflow_resumed')[0];
    expect(resumedEvent).toMatchObject({
      seq: (before.at(-1)?.seq ?? 0) + 1,
      data: {
        run_id: runId,
        checkpoint_path: saved[0]?.data.path,
        checkpoint_created_at: checkpoint.created_at,
        resumed_at_step: 'three',
        generation: 1,
        history_source: 'log',
      },
    });
    // Nothing before the resume was rewritten: the log starts with exactly the earlier lines.
    expect(events.slice(0, before.length)).toEqual(before);
    expect(await readRunRecord(runId, { home })).toMatchObject({ status: 'completed', generation: 1 });

    // The projection reads one run: completed, generation 1, step three with two attempts.
    const state = projectEvents(events);
    expect(state.run.status).toBe('completed');
    expect(state.run.generation).toBe(1);
    expect(state.steps.three?.attempts).toHaveLength(2);
  });

  it('continues one chain across a second failure: one run id, one log, generations 1 and 2', async () => {
    const { home, dir } = await tempSpace();
    const path = await writeWorkflow(dir, 'five.yaml', fiveSteps({ failFour: true }));
    const marker = join(dir, 'marker');
    const marker2 = join(dir, 'marker2');
    const first = runWorkflow(path, { home, inputs: { marker, marker2 } });
    expect((await first).error?.step).toBe('three');

    await writeFile(marker, '');
    // Looked up by workflow: the run id is known once the resume has started.
    const secondRun = resumeWorkflow({ workflow: path, home });
    expect(secondRun.runId).toBe('');
    await secondRun.started;
    expect(secondRun.runId).toBe(first.runId);
    expect(secondRun.workflowName).toBe('five-steps');
    const second = await secondRun;
    expect(second).toMatchObject({ runId: first.runId, status: 'failed', error: { step: 'four' } });
    expect(second.checkpointPath).toBeDefined();
    const checkpoint = await loadCheckpoint(second.checkpointPath as string);
    expect(checkpoint).toMatchObject({ generation: 1, current_step: 'four' });

    await writeFile(marker2, '');
    const third = await resumeWorkflow({ from: second.checkpointPath as string, home });
    expect(third).toMatchObject({ runId: first.runId, status: 'completed' });
    expect(third.output).toMatchObject({ text: 'hello 4 #5', steps: 'one,two,three,four,five' });

    expect(await readdir(join(home, 'runs'))).toEqual([first.runId]);
    const { events, skipped } = await readLog(eventLogPath(first.runId, home));
    expect(skipped).toBe(0);
    expectStrictlyIncreasing(events);
    expect(new Set(events.map((e) => e.seq)).size).toBe(events.length);
    expect(ofType(events, 'workflow_resumed').map((e) => e.data.generation)).toEqual([1, 2]);
    expect(ofType(events, 'workflow_started')).toHaveLength(1);
    expect(startsByStep(events)).toEqual({ one: 1, two: 1, three: 2, four: 2, five: 1 });
    expect(ofType(events, 'workflow_failed').map((e) => e.data.agent_name)).toEqual(['three', 'four']);
  });

  it('interrupts a wait step with a checkpoint (trigger interrupt), then resume completes', async () => {
    const { home, dir } = await tempSpace();
    const path = await writeWorkflow(dir, 'wait.yaml', testWorkflow('waiting'));
    const controller = new AbortController();
    const run = runWorkflow(path, { home, signal: controller.signal });
    void nextEvent(run.bus, 'wait_started').then(() => controller.abort());
    const interrupted = await run;
    expect(interrupted).toMatchObject({
      status: 'interrupted',
      error: { type: 'Interrupted', step: 'pause' },
    });
    const checkpoint = await loadCheckpoint(interrupted.checkpointPath as string);
    expect(checkpoint).toMatchObject({
      trigger: 'interrupt',
      current_step: 'pause',
      failure: { error_type: 'Interrupted' },
    });
    expect(await readRunRecord(run.runId, { home })).toMatchObject({ status: 'interrupted' });

    // A shorter wait, so the resumed run finishes; the changed file is reported, not refused.
    await writeFile(path, (await readFile(path, 'utf8')).replace('duration: 1h', 'duration: 10ms'));
    const resumed = resumeWorkflow({ runId: run.runId, home });
    await resumed.started;
    expect(resumed.warnings.join('\n')).toContain('changed since the run was checkpointed');
    const result = await resumed;
    expect(result).toMatchObject({ status: 'completed', output: 8 });

    const { events } = await readLog(eventLogPath(run.runId, home));
    expect(startsByStep(events)).toEqual({ before: 1, pause: 2, after: 1 });
    const resumedEvent = ofType(events, 'workflow_resumed')[0];
    expect(resumedEvent?.data).toMatchObject({
      resumed_at_step: 'pause',
      workflow_hash_changed: {
        checkpoint: checkpoint.workflow_hash,
        current: hashWorkflowSource(await readFile(path)),
      },
    });
  });

  it('refuses to continue a run in a workflow of another name, writing nothing, unless forced', async () => {
    const { home, dir } = await tempSpace();
    const path = await writeWorkflow(dir, 'five.yaml', fiveSteps());
    const marker = join(dir, 'marker');
    const first = runWorkflow(path, { home, inputs: { marker } });
    expect(await first).toMatchObject({ status: 'failed', error: { step: 'three' } });
    // Same step names, another workflow.
    const other = await writeWorkflow(
      dir,
      'other.yaml',
      fiveSteps().replace('name: five-steps', 'name: other-steps'),
    );
    const before = await snapshotFiles(join(home, 'runs'));
    const refused = resumeWorkflow({ runId: first.runId, workflow: other, home });
    const error = await refused.result.catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CONDUCTOR_RESUME_OTHER_WORKFLOW' });
    expect((error as Error).message).toContain('was started with workflow "five-steps"');
    expect((error as Error).message).toContain('is workflow "other-steps"');
    expect((error as Error).message).toContain('--force-workflow');
    expect(await snapshotFiles(join(home, 'runs'))).toEqual(before);

    await writeFile(marker, '');
    const forced = await resumeWorkflow({ runId: first.runId, workflow: other, home, forceWorkflow: true });
    expect(forced).toMatchObject({ status: 'completed' });
  });

  it('takes the newest state: an older checkpoint, then every later event of the log folded on top', async () => {
    const { home, dir } = await tempSpace();
    const path = await writeWorkflow(
      dir,
      'five.yaml',
      fiveSteps({ extra: '  runtime:\n    checkpoint:\n      every_agent: true\n' }),
    );
    const marker = join(dir, 'marker');
    const first = runWorkflow(path, { home, inputs: { marker } });
    await first;
    const { checkpoints } = await listCheckpoints({ home, runId: first.runId });
    expect(checkpoints.map((c) => [c.trigger, c.current_step])).toEqual([
      ['failure', 'three'],
      ['periodic', 'three'],
      ['periodic', 'two'],
    ]);
    // Only the checkpoint taken before step two is left; the log knows that two completed since.
    await deleteCheckpoints(checkpoints.slice(0, 2).map((c) => c.path));
    await writeFile(marker, '');

    const result = await resumeWorkflow({ runId: first.runId, home });
    expect(result).toMatchObject({
      status: 'completed',
      output: { text: 'hello 4 #5', steps: 'one,two,three,four,five' },
    });
    const { events } = await readLog(eventLogPath(first.runId, home));
    expect(startsByStep(events)).toEqual({ one: 1, two: 1, three: 2, four: 1, five: 1 });
    expect(ofType(events, 'workflow_resumed')[0]?.data).toMatchObject({
      checkpoint_path: checkpoints[2]?.path,
      resumed_at_step: 'three',
      state_source: 'checkpoint+log',
    });
    // The run succeeded: its periodic checkpoint was deleted (the others were removed above).
    expect((await listCheckpoints({ home, runId: first.runId })).checkpoints).toEqual([]);
  });

  it('repairs a log whose last line was cut short, keeping the fragment aside, and continues', async () => {
    const { home, dir } = await tempSpace();
    const path = await writeWorkflow(dir, 'five.yaml', fiveSteps());
    const marker = join(dir, 'marker');
    const first = runWorkflow(path, { home, inputs: { marker } });
    await first;
    const logPath = eventLogPath(first.runId, home);
    const fragment = '{"seq":999,"type":"agent_mes';
    await appendFile(logPath, fragment);
    await writeFile(marker, '');

    const resumed = resumeWorkflow({ runId: first.runId, home });
    expect((await resumed).status).toBe('completed');
    expect(resumed.warnings.join('\n')).toMatch(/cut short.*moved to/);
    const { events, skipped } = await readLog(logPath);
    expect(skipped).toBe(0);
    expectStrictlyIncreasing(events);
    const fragments = (await readdir(join(home, 'runs', first.runId))).filter((n) =>
      n.includes('.fragment-'),
    );
    expect(fragments).toHaveLength(1);
    expect(await readFile(join(home, 'runs', first.runId, fragments[0] as string), 'utf8')).toBe(fragment);
  });
});

describe('resumeWorkflow refuses, changing nothing', () => {
  async function failedRun() {
    const { home, dir } = await tempSpace();
    const path = await writeWorkflow(dir, 'five.yaml', fiveSteps());
    const run = runWorkflow(path, { home, inputs: { marker: join(dir, 'marker') } });
    const result = await run;
    return { home, dir, path, runId: run.runId, checkpointPath: result.checkpointPath as string };
  }

  async function expectRefused(
    options: Parameters<typeof resumeWorkflow>[0],
    code: string,
    dir: string,
  ): Promise<Error> {
    const before = await snapshotFiles(dir);
    const error = await resumeWorkflow(options).result.then(
      () => null,
      (e: unknown) => e as Error & { code?: string },
    );
    expect(error?.code).toBe(code);
    expect(await snapshotFiles(dir)).toEqual(before);
    return error as Error;
  }

  it('a corrupt checkpoint: CONDUCTOR_CHECKPOINT_CORRUPT', async () => {
    const { dir, home, checkpointPath } = await failedRun();
    await writeFile(checkpointPath, (await readFile(checkpointPath, 'utf8')).slice(0, 120));
    const error = await expectRefused({ from: checkpointPath, home }, 'CONDUCTOR_CHECKPOINT_CORRUPT', dir);
    expect(error.message).toContain(checkpointPath);
  });

  it('a checkpoint of an unknown version: CONDUCTOR_CHECKPOINT_VERSION', async () => {
    const { dir, home, checkpointPath } = await failedRun();
    const raw = JSON.parse(await readFile(checkpointPath, 'utf8'));
    await writeFile(checkpointPath, JSON.stringify({ ...raw, version: 7 }));
    await expectRefused({ from: checkpointPath, home }, 'CONDUCTOR_CHECKPOINT_VERSION', dir);
  });

  it('a missing workflow file: CONDUCTOR_RESUME_WORKFLOW_NOT_FOUND naming it and how to pass another', async () => {
    const { dir, home, path, runId } = await failedRun();
    await rm(path);
    const error = await expectRefused({ runId, home }, 'CONDUCTOR_RESUME_WORKFLOW_NOT_FOUND', dir);
    expect(error.message).toContain(path);
    // The CLI takes the workflow as its argument; it has no --workflow option.
    expect(error.message).toContain(`conductor resume <workflow.yaml> --run ${runId}`);
    expect(error.message).not.toContain('--workflow');
  });

  it('a run that completed: CONDUCTOR_RESUME_COMPLETED', async () => {
    const { home, dir } = await tempSpace();
    const path = await writeWorkflow(dir, 'five.yaml', fiveSteps());
    await writeFile(join(dir, 'marker'), '');
    const run = runWorkflow(path, { home, inputs: { marker: join(dir, 'marker') } });
    await run;
    await expectRefused({ runId: run.runId, home }, 'CONDUCTOR_RESUME_COMPLETED', dir);
    // Its log alone says so too (run.json gone).
    await rm(join(home, 'runs', run.runId, 'run.json'));
    await expectRefused({ runId: run.runId, home }, 'CONDUCTOR_RESUME_COMPLETED', dir);
  });

  it('nothing to resume: CONDUCTOR_RESUME_NOTHING listing what was looked at', async () => {
    const { home, dir } = await tempSpace();
    const path = await writeWorkflow(dir, 'five.yaml', fiveSteps());
    await writeFile(join(dir, 'marker'), '');
    const done = runWorkflow(path, { home, inputs: { marker: join(dir, 'marker') } });
    await done;
    const error = await expectRefused({ workflow: path, home }, 'CONDUCTOR_RESUME_NOTHING', dir);
    expect(error.message).toContain(path);
    expect(error.message).toContain(`${done.runId} (completed)`);
    expect(error.message).toContain('conductor checkpoint list');
    await expectRefused({ runId: 'no-such-run', home }, 'CONDUCTOR_RESUME_NOTHING', dir);
  });
});
