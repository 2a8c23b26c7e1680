import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openEventLog } from '@conductor/event-log';
import { describe, expect, it } from 'vitest';
import { type CheckpointHistory, historyForResume } from './index.js';
import { collect, event, tempDir } from './test-helpers.js';

const base = (event_log_path: string | null): CheckpointHistory => ({
  run_id: 'r1',
  current_step: 'b',
  created_at: 2000,
  trigger: 'periodic',
  context: { step_outputs: { a: 'out-a' }, execution_history: [{ step: 'a' }] },
  event_log_path,
  last_seq: 50,
});

describe('historyForResume', () => {
  it('uses the event log when it holds events', async () => {
    const path = join(await tempDir(), 'events.jsonl');
    const writer = await openEventLog(path);
    for (let seq = 1; seq <= 60; seq++) writer.append(event(seq));
    await writer.close();
    const history = await historyForResume(base(path));
    expect(history).toMatchObject({ source: 'log', logPath: path, lastSeq: 60 });
    const events = await collect(history.events);
    expect(events).toHaveLength(60);
    expect(events.some((e) => e.data.synthetic)).toBe(false);
  });

  it('falls back to a synthetic summary when the log is missing, saying why', async () => {
    const path = join(await tempDir(), 'events.jsonl');
    const history = await historyForResume(base(path), {
      workflow: { name: 'w', entry_point: 'a', agents: [{ name: 'a' }, { name: 'b' }] },
    });
    expect(history.source).toBe('synthetic');
    expect(history).toMatchObject({ reason: `event log ${path} not found`, lastSeq: 3 });
    const events = await collect(history.events);
    expect(events.map((e) => e.type)).toEqual(['workflow_started', 'agent_started', 'agent_completed']);
    expect(events.every((e) => e.data.synthetic === true)).toBe(true);
  });

  it('falls back when the log holds no events', async () => {
    const path = join(await tempDir(), 'events.jsonl');
    await writeFile(path, 'garbage\n\n');
    const history = await historyForResume(base(path));
    expect(history).toMatchObject({ source: 'synthetic', reason: `event log ${path} holds no events` });
  });

  it('falls back when the checkpoint records no log', async () => {
    const history = await historyForResume(base(null));
    expect(history.source).toBe('synthetic');
    expect(history.source === 'synthetic' && history.reason).toMatch(/records no event log/);
    expect((await collect(history.events)).map((e) => e.data.agent_name)).toEqual(['a', 'a']);
  });
});

async function writeLog(path: string, seqs: number[]): Promise<void> {
  const writer = await openEventLog(path);
  for (const seq of seqs) writer.append(event(seq));
  await writer.close();
}

describe("historyForResume with the run's own log", () => {
  it('folds only what came after the checkpoint, and appends nothing', async () => {
    const own = join(await tempDir(), 'events.jsonl');
    await writeLog(own, [48, 49, 50, 51, 52]);
    const history = await historyForResume(base('/elsewhere/events.jsonl'), { logPath: own });
    expect(history).toMatchObject({ source: 'log', logPath: own, imported: false, lastSeq: 52 });
    expect((await collect(history.sinceCheckpoint())).map((e) => e.seq)).toEqual([51, 52]);
    expect(await collect(history.toAppend(52))).toEqual([]);
  });

  it('reports the damaged lines of the own log while folding', async () => {
    const own = join(await tempDir(), 'events.jsonl');
    await writeLog(own, [51]);
    await writeFile(own, `${JSON.stringify(event(52))}\nnot json\n${JSON.stringify(event(53))}\n`, {
      flag: 'a',
    });
    const history = await historyForResume(base(null), { logPath: own });
    const skipped: number[] = [];
    const seqs = (await collect(history.sinceCheckpoint({ onSkip: (skip) => skipped.push(skip.line) }))).map(
      (e) => e.seq,
    );
    expect(seqs).toEqual([51, 52, 53]);
    expect(skipped).toEqual([3]);
  });

  it("imports the checkpoint's own log when the run has none, numbering it after the run's", async () => {
    const dir = await tempDir();
    const other = join(dir, 'original.jsonl');
    await writeFile(
      other,
      [
        '{"type":"workflow_started","timestamp":1732170900.1,"data":{}}',
        '{"type":"agent_started","timestamp":1732170900.2,"data":{"agent_name":"a"}}',
        '',
      ].join('\n'),
    );
    const history = await historyForResume(
      { ...base(other), last_seq: 0, migrated_from: 1 },
      { logPath: join(dir, 'events.jsonl') },
    );
    expect(history).toMatchObject({ source: 'log', logPath: other, imported: true, lastSeq: 2 });
    // A v1 checkpoint's state is used as it is: its log's lines carry no seq to match.
    expect(await collect(history.sinceCheckpoint())).toEqual([]);
    expect((await collect(history.toAppend(0))).map((e) => [e.seq, e.type])).toEqual([
      [1, 'workflow_started'],
      [2, 'agent_started'],
    ]);
    expect((await collect(history.toAppend(7))).map((e) => e.seq)).toEqual([8, 9]);
  });

  it('summarizes the checkpoint after what the own log already holds', async () => {
    const dir = await tempDir();
    const history = await historyForResume(base(join(dir, 'gone.jsonl')), {
      logPath: join(dir, 'events.jsonl'),
    });
    expect(history).toMatchObject({
      source: 'synthetic',
      reason: `event log ${join(dir, 'gone.jsonl')} not found`,
    });
    const outline = { name: 'w', entry_point: 'a', agents: [{ name: 'a' }, { name: 'b' }] };
    expect((await collect(history.toAppend(0, outline))).map((e) => e.type)).toEqual([
      'workflow_started',
      'agent_started',
      'agent_completed',
    ]);
    expect((await collect(history.toAppend(2, outline))).map((e) => e.seq)).toEqual([3]);
  });

  it('is null without a checkpoint and without a log holding events', async () => {
    const own = join(await tempDir(), 'events.jsonl');
    expect(await historyForResume(null, { logPath: own })).toBeNull();
    await writeFile(own, '');
    expect(await historyForResume(null, { logPath: own })).toBeNull();
  });

  it('rejects rather than summarize when a log exists but cannot be read', async () => {
    const own = join(await tempDir(), 'events.jsonl');
    await mkdir(own); // a path that exists and cannot be read as a file
    await expect(historyForResume(base(own), { logPath: own })).rejects.toMatchObject({
      code: 'CONDUCTOR_EVENT_LOG_IO',
    });
  });
});
