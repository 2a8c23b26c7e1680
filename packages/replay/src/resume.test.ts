import { writeFile } from 'node:fs/promises';
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
