import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildSeqIndex, EventLogNotFoundError, readAppended } from './index.js';
import { message, tempDir } from './test-helpers.js';

const line = (seq: number) => `${JSON.stringify(message(seq))}\n`;

describe('readAppended', () => {
  it('follows a growing log: whole lines only, each event once, a line being written taken once whole', async () => {
    const path = join(await tempDir(), 'events.jsonl');
    await writeFile(path, line(1) + line(2));
    const first = await readAppended(path, { limit: 100 });
    expect(first.events.map((e) => e.seq)).toEqual([1, 2]);
    expect(first.more).toBe(false);

    const third = line(3);
    await appendFile(path, third.slice(0, 20));
    const partial = await readAppended(path, { from: first.next, limit: 100 });
    expect(partial.events).toEqual([]);
    expect(partial.next).toEqual(first.next);

    await appendFile(path, `${third.slice(20)}not json\n${line(4)}`);
    const rest = await readAppended(path, { from: partial.next, limit: 100 });
    expect(rest.events.map((e) => e.seq)).toEqual([3, 4]);
    expect(rest.next.line).toBe(6);
    expect((await readAppended(path, { from: rest.next, limit: 100 })).events).toEqual([]);
  });

  it('stops at limit and goes on from next; skips seqs up to afterSeq', async () => {
    const path = join(await tempDir(), 'events.jsonl');
    await writeFile(path, Array.from({ length: 10 }, (_, i) => line(i + 1)).join(''));
    const page = await readAppended(path, { afterSeq: 3, limit: 4 });
    expect(page.events.map((e) => e.seq)).toEqual([4, 5, 6, 7]);
    expect(page.more).toBe(true);
    const next = await readAppended(path, { from: page.next, afterSeq: 7, limit: 4 });
    expect(next.events.map((e) => e.seq)).toEqual([8, 9, 10]);
    expect(next.more).toBe(false);
  });

  it('starts where a seq index says, reading only events after the seq', async () => {
    const path = join(await tempDir(), 'events.jsonl');
    await writeFile(path, Array.from({ length: 50 }, (_, i) => line(i + 1)).join(''));
    const index = await buildSeqIndex(path, { every: 8 });
    const after = await readAppended(path, { from: index.seek(30), afterSeq: 30, limit: 100 });
    expect(after.events.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => 31 + i));
  });

  it('throws EventLogNotFoundError for a log that does not exist', async () => {
    await expect(readAppended(join(await tempDir(), 'none.jsonl'), { limit: 1 })).rejects.toBeInstanceOf(
      EventLogNotFoundError,
    );
  });
});
