// Resumes whose history is not (only) the run's own log: a summary of the checkpoint, the original
// conductor's log, a log alone.
import { mkdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hashWorkflowSource, loadCheckpoint } from '@conductor/checkpoint';
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
  startsByStep,
  tempSpace,
  writeWorkflow,
} from '../testing/durable.js';
import { ofType } from '../testing/support.js';

/** A five-step run that never failed: the output every resumed run must reach. */

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
