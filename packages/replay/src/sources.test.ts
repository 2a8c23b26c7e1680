import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openEventLog } from '@conductor/event-log';
import { describe, expect, it } from 'vitest';
import { fromEvents, fromJsonl } from './index.js';
import { collect, event, openFiles, tempDir } from './test-helpers.js';

async function writeLog(count: number): Promise<string> {
  const path = join(await tempDir(), 'events.jsonl');
  const writer = await openEventLog(path);
  for (let seq = 1; seq <= count; seq++) writer.append(event(seq));
  await writer.close();
  return path;
}

describe('fromJsonl', () => {
  it('streams every event of a log in order', async () => {
    const path = await writeLog(1000);
    const events = await collect(fromJsonl(path));
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(events[41]).toEqual(event(42));
  });

  it('starts after a seq', async () => {
    const path = await writeLog(10);
    expect((await collect(fromJsonl(path, { afterSeq: 7 }))).map((e) => e.seq)).toEqual([8, 9, 10]);
  });

  it('numbers lines of the original format (no seq) and skips damaged ones', async () => {
    const path = join(await tempDir(), 'events.jsonl');
    const lines = [
      { type: 'workflow_started', timestamp: 1, data: { name: 'w', entry_point: 'a', agents: [] } },
      'not json',
      { type: 'agent_started', timestamp: 2, data: { agent_name: 'a' } },
    ];
    await writeFile(path, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n'));
    const skipped: number[] = [];
    const events = await collect(fromJsonl(path, { onSkip: (s) => skipped.push(s.line) }));
    expect(events.map((e) => [e.seq, e.type])).toEqual([
      [1, 'workflow_started'],
      [2, 'agent_started'],
    ]);
    expect(skipped).toEqual([2]);
  });

  it('rejects a missing file with a precise error at the first read', async () => {
    const path = join(await tempDir(), 'missing.jsonl');
    await expect(collect(fromJsonl(path))).rejects.toMatchObject({ code: 'CONDUCTOR_EVENT_LOG_NOT_FOUND' });
  });

  it.runIf(existsSync('/proc/self/fd'))('closes the file when the consumer breaks early', async () => {
    const path = await writeLog(5000);
    let seen = 0;
    for await (const e of fromJsonl(path)) {
      seen = e.seq;
      expect(openFiles()).toContain(path);
      if (seen === 3) break;
    }
    expect(seen).toBe(3);
    expect(openFiles()).not.toContain(path);
  });
});

describe('fromEvents', () => {
  it('yields the events of an array, then ends', async () => {
    const events = [event(1), event(2)];
    expect(await collect(fromEvents(events))).toEqual(events);
  });
});
