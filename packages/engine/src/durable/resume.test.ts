import { appendFile, mkdir, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  deleteCheckpoints,
  hashWorkflowSource,
  listCheckpoints,
  loadCheckpoint,
} from '@conductor/checkpoint';
import { eventLogPath } from '@conductor/event-log';
import { type ConductorEvent, projectEvents } from '@conductor/events';
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
  writeWorkflow,
} from '../testing/durable.js';
import { nextEvent } from '../testing/support.js';

const ofType = (events: ConductorEvent[], type: string) => events.filter((e) => e.type === type);

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
    const path = await writeWorkflow(
      dir,
      'wait.yaml',
      `workflow:
  name: waiting
  entry_point: before
agents:
  - name: before
    type: set
    value: 7
    routes: [{ to: pause }]
  - name: pause
    type: wait
    duration: 1h
    routes: [{ to: after }]
  - name: after
    type: set
    value: "{{ before.output + 1 }}"
`,
    );
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

describe('resumeWorkflow without the usual files', () => {
  it('summarizes earlier steps from the checkpoint when the log is gone (history_source synthetic)', async () => {
    const { home, dir } = await tempSpace();
    const path = await writeWorkflow(dir, 'five.yaml', fiveSteps());
    const marker = join(dir, 'marker');
    const first = runWorkflow(path, { home, inputs: { marker } });
    const failed = await first;
    const checkpoint = await loadCheckpoint(failed.checkpointPath as string);
    const logPath = eventLogPath(first.runId, home);
    await rm(logPath);
    await writeFile(marker, '');

    const result = await resumeWorkflow({ from: failed.checkpointPath as string, home });
    expect(result).toMatchObject({ status: 'completed', output: { text: 'hello 4 #5' } });
    const { events } = await readLog(logPath);
    const resumedAt = events.findIndex((e) => e.type === 'workflow_resumed');
    const history = events.slice(0, resumedAt);
    expect(history.length).toBeGreaterThan(0);
    expect(history.every((e) => e.data.synthetic === true && e.seq <= checkpoint.last_seq)).toBe(true);
    expect(history.map((e) => e.type)).toEqual([
      'workflow_started',
      'set_started',
      'set_completed',
      'script_started',
      'script_completed',
      'script_started',
      'script_failed',
      'workflow_failed',
    ]);
    expect(history.find((e) => e.type === 'script_completed')?.data.output).toEqual(
      checkpoint.context.step_outputs.two,
    );
    expect(events[resumedAt]).toMatchObject({
      seq: checkpoint.last_seq + 1,
      data: { history_source: 'synthetic', generation: 1 },
    });
    expectStrictlyIncreasing(events);
    const state = projectEvents(events);
    expect(state.run.status).toBe('completed');
    expect(state.steps.one?.status).toBe('completed');
  });

  it("imports the original conductor's checkpoint and log (no seq) before workflow_resumed", async () => {
    const { home, dir } = await tempSpace();
    const path = await writeWorkflow(dir, 'five.yaml', fiveSteps());
    const marker = join(dir, 'marker');
    await writeFile(marker, '');
    const originalLog = join(dir, 'tmp', 'conductor', 'conductor-five-steps-20241121-063512.events.jsonl');
    await mkdir(join(dir, 'tmp', 'conductor'), { recursive: true });
    const lines = [
      {
        type: 'workflow_started',
        timestamp: 1732170900.1,
        data: { name: 'five-steps', entry_point: 'one', inputs: { marker } },
      },
      { type: 'set_started', timestamp: 1732170900.2, data: { agent_name: 'one' } },
      {
        type: 'set_completed',
        timestamp: 1732170900.3,
        data: { agent_name: 'one', value_repr: "{'greeting': 'hello'}" },
      },
      { type: 'route_taken', timestamp: 1732170900.4, data: { from_agent: 'one', to_agent: 'two' } },
      { type: 'script_started', timestamp: 1732170900.5, data: { agent_name: 'two' } },
      {
        type: 'script_completed',
        timestamp: 1732170900.6,
        data: { agent_name: 'two', stdout: '{"n": 4}', exit_code: 0 },
      },
      { type: 'route_taken', timestamp: 1732170900.7, data: { from_agent: 'two', to_agent: 'three' } },
      { type: 'script_started', timestamp: 1732170900.8, data: { agent_name: 'three' } },
      {
        type: 'workflow_failed',
        timestamp: 1732170901.0,
        data: { error_type: 'ScriptFailed', agent_name: 'three' },
      },
    ];
    const logText = `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`;
    await writeFile(originalLog, logText);
    const v1 = join(dir, 'five-steps-checkpoint.json');
    const v1Text = JSON.stringify({
      version: 1,
      workflow_path: path,
      workflow_hash: `sha256:${hashWorkflowSource(await readFile(path))}`,
      created_at: 1732170901.0,
      failure: { error_type: 'ScriptFailed', message: 'exit 1', agent_name: 'three' },
      current_agent: 'three',
      context: {
        workflow_inputs: { marker },
        agent_outputs: { one: { greeting: 'hello' }, two: { n: 4, stdout: '{"n": 4}', exit_code: 0 } },
        execution_history: ['one', 'two', { agent_name: 'three', status: 'failed' }],
        current_iteration: 3,
      },
      limits: { max_iterations: 10, timeout_seconds: null },
      copilot_session_ids: {},
      event_log_path: originalLog,
    });
    await writeFile(v1, v1Text);

    const resumed = resumeWorkflow({ from: v1, home });
    const runId = resumed.runId;
    expect(runId).toMatch(/^legacy-[0-9a-f]{16}$/);
    const result = await resumed;
    expect(result).toMatchObject({
      status: 'completed',
      output: { text: 'hello 4 #5', steps: 'one,two,three,four,five' },
    });

    const { events, skipped } = await readLog(eventLogPath(runId, home));
    expect(skipped).toBe(0);
    expect(events.slice(0, lines.length).map((e) => [e.seq, e.type])).toEqual(
      lines.map((l, i) => [i + 1, l.type]),
    );
    expect(events[lines.length]).toMatchObject({
      seq: lines.length + 1,
      type: 'workflow_resumed',
      data: {
        run_id: runId,
        checkpoint_path: v1,
        resumed_at_step: 'three',
        generation: 1,
        history_source: 'log',
      },
    });
    expect(startsByStep(events.slice(lines.length))).toEqual({ three: 1, four: 1, five: 1 });
    // The original files are untouched.
    expect(await readFile(originalLog, 'utf8')).toBe(logText);
    expect(await readFile(v1, 'utf8')).toBe(v1Text);
    expect(await readRunRecord(runId, { home })).toMatchObject({ status: 'completed', generation: 1 });
  });

  it('a log cut after a completion, before its route: the step is not run again, its routes are', async () => {
    const { home, dir } = await tempSpace();
    const path = await writeWorkflow(dir, 'five.yaml', fiveSteps());
    const marker = join(dir, 'marker');
    await writeFile(marker, '');
    for (const [cutAfter, expectedStarts] of [
      // Killed between two's completion and its route_taken.
      [
        (e: ConductorEvent) => e.type === 'script_completed' && e.data.agent_name === 'two',
        { three: 1, four: 1, five: 1 },
      ],
      // Killed between the route to $end and workflow_completed: only the final output is left to do.
      [(e: ConductorEvent) => e.type === 'route_taken' && e.data.to_agent === '$end', {}],
    ] as const) {
      const run = runWorkflow(path, { home, inputs: { marker } });
      const expected = (await run).output;
      const logPath = eventLogPath(run.runId, home);
      const { events: all } = await readLog(logPath);
      const keep = all.findIndex(cutAfter) + 1;
      const text = await readFile(logPath, 'utf8');
      await writeFile(logPath, `${text.split('\n').slice(0, keep).join('\n')}\n`);
      await rm(join(home, 'runs', run.runId, 'run.json'));

      const result = await resumeWorkflow({ runId: run.runId, home });
      expect(result).toMatchObject({ status: 'completed', output: expected });
      const { events } = await readLog(logPath);
      const after = events.slice(keep);
      expect(after[0]?.type).toBe('workflow_resumed');
      expect(after[1]?.type).toBe('route_taken');
      expect(startsByStep(after)).toEqual(expectedStarts);
    }
  });

  it('rebuilds the state from the log alone when no checkpoint was written (kill before any)', async () => {
    const { home, dir } = await tempSpace();
    const path = await writeWorkflow(dir, 'five.yaml', fiveSteps());
    const marker = join(dir, 'marker');
    const first = runWorkflow(path, { home, inputs: { marker }, checkpoints: false });
    const failed = await first;
    expect(failed.checkpointPath).toBeUndefined();
    const logPath = eventLogPath(first.runId, home);
    const { events: before } = await readLog(logPath);
    expect(before.at(-1)?.data.checkpoint_unavailable_reason).toContain('checkpoints are turned off');
    // A process killed mid-step leaves no workflow_failed: cut the log after script_started of three.
    const cut = before.findIndex((e) => e.type === 'script_started' && e.data.agent_name === 'three');
    const text = await readFile(logPath, 'utf8');
    await truncate(
      logPath,
      Buffer.byteLength(
        text
          .split('\n')
          .slice(0, cut + 1)
          .join('\n'),
      ) + 1,
    );
    await writeFile(marker, '');

    const resumed = resumeWorkflow({ runId: first.runId, home });
    expect(await resumed).toMatchObject({ status: 'completed', output: { text: 'hello 4 #5' } });
    const { events } = await readLog(logPath);
    expect(ofType(events, 'workflow_resumed')[0]?.data).toMatchObject({
      checkpoint_path: null,
      resumed_at_step: 'three',
      state_source: 'log',
      generation: 1,
    });
    expect(startsByStep(events)).toEqual({ one: 1, two: 1, three: 2, four: 1, five: 1 });
    expect((await stat(logPath)).mode & 0o777).toBe(0o600);
  });
});
