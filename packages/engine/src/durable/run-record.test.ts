import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { eventLogPath } from '@conductor/event-log';
import {
  currentProcess,
  listRunRecords,
  readRunRecord,
  runRecordPath,
  updateRunRecord,
  writeRunRecord,
} from '@conductor/run-folder';
import { describe, expect, it } from 'vitest';
import { runWorkflow } from '../launch/run-workflow.js';
import { readLog, tempSpace, writeWorkflow } from '../testing/durable.js';
import { workflowOf } from '../testing/support.js';

const twoSteps = `workflow:
  name: two
  entry_point: a
agents:
  - name: a
    type: set
    value: 1
    routes: [{ to: b }]
  - name: b
    type: set
    value: 2
`;

describe('every run writes its event log', () => {
  it('to $CONDUCTOR_HOME/runs/<id>/events.jsonl, every event in the file at the next step boundary', async () => {
    const { home, dir } = await tempSpace();
    const path = await writeWorkflow(dir, 'two.yaml', twoSteps);
    // A step's events are written together (one write per step): what a kill -9 can lose is at most
    // the step in flight, so at each boundary everything emitted so far is in the file.
    const inFileAtBoundary: boolean[] = [];
    const run = runWorkflow(path, {
      env: { CONDUCTOR_HOME: home },
      hooks: {
        onStepBoundary: () => {
          const text = existsSync(logPath) ? readFileSync(logPath, 'utf8') : '';
          const seqs = Array.from({ length: run.bus.lastSeq }, (_, i) => i + 1);
          inFileAtBoundary.push(seqs.every((seq) => text.includes(`{"seq":${seq},`)));
        },
      },
    });
    const logPath = eventLogPath(run.runId, home);
    const result = await run;
    const { events, skipped } = await readLog(logPath);
    expect(skipped).toBe(0);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: result.lastSeq }, (_, i) => i + 1));
    expect(inFileAtBoundary).toEqual([true, true]);
    expect(events[0]?.data).toMatchObject({ log_file: logPath, run_id: run.runId, yaml_source: path });
    expect((await stat(logPath)).mode & 0o777).toBe(0o600);
  });

  it('records the run in run.json (0600): running while it runs, then how it ended', async () => {
    const { home, dir } = await tempSpace();
    const path = await writeWorkflow(dir, 'two.yaml', twoSteps);
    const run = runWorkflow(path, { home });
    let whileRunning: unknown;
    const off = run.bus.subscribe((event) => {
      if (event.type === 'set_started') {
        off();
        whileRunning = JSON.parse(readFileSync(runRecordPath(run.runId, home), 'utf8'));
      }
    });
    await run;
    expect(whileRunning).toMatchObject({ status: 'running', pid: process.pid });
    const record = await readRunRecord(run.runId, { home });
    expect(record).toEqual({
      run_id: run.runId,
      workflow_path: path,
      workflow_name: 'two',
      workflow_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      status: 'completed',
      pid: process.pid,
      process_start: currentProcess().start,
      host: currentProcess().host,
      started_at: expect.any(String),
      updated_at: expect.any(String),
      generation: 0,
      event_log_path: eventLogPath(run.runId, home),
      last_checkpoint_path: null,
    });
    expect((await stat(runRecordPath(run.runId, home))).mode & 0o777).toBe(0o600);
    expect(Date.parse(record?.updated_at ?? '')).toBeGreaterThanOrEqual(Date.parse(record?.started_at ?? ''));
  });

  it('writes no files with eventLog: false', async () => {
    const { home } = await tempSpace();
    const run = runWorkflow(workflowOf([{ name: 'a', type: 'set', value: 1 }]), { home, eventLog: false });
    const result = await run;
    expect(result.status).toBe('completed');
    expect(existsSync(home)).toBe(false);
  });

  it('refuses a new run whose id already has events, leaving the log alone', async () => {
    const { home } = await tempSpace();
    await runWorkflow(workflowOf([{ name: 'a', type: 'set', value: 1 }]), { home, runId: 'taken' });
    const before = await readFile(eventLogPath('taken', home));
    const again = runWorkflow(workflowOf([{ name: 'a', type: 'set', value: 1 }]), { home, runId: 'taken' });
    const error = await again.result.catch((e: unknown) => e);
    await expect(again.started).rejects.toBe(error);
    expect(error).toMatchObject({ code: 'CONDUCTOR_RUN_EXISTS' });
    expect((error as Error).message).toContain('resumeWorkflow');
    expect(await readFile(eventLogPath('taken', home))).toEqual(before);
  });

  it('of two runs started at once with one id, only one gets it: the log has each seq once', async () => {
    const { home } = await tempSpace();
    const workflow = workflowOf([{ name: 'a', type: 'set', value: 1 }]);
    const runs = [0, 1, 2].map(() => runWorkflow(workflow, { home, runId: 'same' }));
    const outcomes = await Promise.allSettled(runs.map((run) => run.result));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const o of outcomes.filter((o) => o.status === 'rejected'))
      expect((o as PromiseRejectedResult).reason).toMatchObject({ code: 'CONDUCTOR_RUN_EXISTS' });
    // The raw lines: a reader would skip the repeated seqs two writers leave.
    const text = await readFile(eventLogPath('same', home), 'utf8');
    const seqs = text
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { seq: number }).seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  });

  it('refuses a new run whose id has an empty log, saying another process may be starting it', async () => {
    const { home } = await tempSpace();
    const path = eventLogPath('empty', home);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, '');
    const run = runWorkflow(workflowOf([{ name: 'a', type: 'set', value: 1 }]), { home, runId: 'empty' });
    const error = await run.result.catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CONDUCTOR_RUN_EXISTS' });
    expect((error as Error).message).toMatch(/still empty: another process may be starting/);
    expect(await readFile(path, 'utf8')).toBe('');
  });
});

describe('run.json helpers', () => {
  it('updateRunRecord merges fields (the CLI adds the dashboard) and keeps concurrent updates', async () => {
    const { home } = await tempSpace();
    await writeRunRecord(
      {
        run_id: 'r1',
        workflow_path: '/w.yaml',
        workflow_name: 'w',
        workflow_hash: null,
        status: 'running',
        pid: 1,
        started_at: '2026-01-01T00:00:00.000Z',
        updated_at: '2026-01-01T00:00:00.000Z',
        generation: 0,
        event_log_path: null,
        last_checkpoint_path: null,
      },
      { home },
    );
    await Promise.all([
      updateRunRecord('r1', { dashboard: { url: 'http://127.0.0.1:4100/', port: 4100 } }, { home }),
      updateRunRecord('r1', { status: 'failed' }, { home }),
      updateRunRecord('r1', { last_checkpoint_path: '/cp.json' }, { home }),
    ]);
    const record = await readRunRecord('r1', { home });
    expect(record).toMatchObject({
      status: 'failed',
      last_checkpoint_path: '/cp.json',
      dashboard: { url: 'http://127.0.0.1:4100/', port: 4100 },
    });
    expect(Date.parse(record?.updated_at ?? '')).toBeGreaterThan(Date.parse('2026-01-01T00:00:00.000Z'));
    expect((await readdir(join(home, 'runs', 'r1'))).filter((n) => n.startsWith('.'))).toEqual([]);
    await expect(updateRunRecord('nope', { status: 'failed' }, { home })).rejects.toMatchObject({
      code: 'CONDUCTOR_RUN_RECORD_NOT_FOUND',
    });
  });

  it('listRunRecords lists runs newest first and leaves out damaged records; readRunRecord reports them', async () => {
    const { home, dir } = await tempSpace();
    const path = await writeWorkflow(dir, 'two.yaml', twoSteps);
    const first = runWorkflow(path, { home });
    await first;
    const second = runWorkflow(path, { home });
    await second;
    await updateRunRecord(second.runId, { status: 'interrupted' }, { home });
    const broken = runWorkflow(path, { home });
    await broken;
    await writeFile(runRecordPath(broken.runId, home), '{"run_id": ');
    const records = await listRunRecords({ home });
    expect(records.map((r) => r.run_id)).toEqual([second.runId, first.runId]);
    const unreadable: Array<[string, unknown]> = [];
    await listRunRecords({ home, onUnreadable: (runId, error) => unreadable.push([runId, error]) });
    expect(unreadable).toEqual([
      [broken.runId, expect.objectContaining({ code: 'CONDUCTOR_RUN_RECORD_INVALID' })],
    ]);
    await expect(readRunRecord(broken.runId, { home })).rejects.toMatchObject({
      code: 'CONDUCTOR_RUN_RECORD_INVALID',
    });
    expect(await readRunRecord('missing', { home })).toBeNull();
  });
});
