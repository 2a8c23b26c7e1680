import { appendFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildSeqIndex, openEventLog, readEventLog, readEventPage } from './index.js';
import { collect, message, tempDir } from './test-helpers.js';

const line = (seq: number) => `${JSON.stringify(message(seq))}\n`;

async function writeLog(events: number): Promise<string> {
  const path = join(await tempDir(), 'events.jsonl');
  const writer = await openEventLog(path);
  // Gaps in seq (every 7th skipped) and damaged lines make sure the index does not assume seq = line.
  for (let seq = 1, n = 0; n < events; seq++) {
    if (seq % 7 === 0) continue;
    writer.append(message(seq));
    n++;
  }
  await writer.close();
  await appendFile(path, 'garbage\n');
  return path;
}

describe('buildSeqIndex / readEventPage', () => {
  it('keeps one entry every `every` events', async () => {
    const path = await writeLog(1000);
    const index = await buildSeqIndex(path);
    expect(index.count).toBe(1000);
    expect(index.entries).toBe(4);
    expect(index.every).toBe(256);
  });

  it('hands the events it reads to onEvents, in order and each once, waiting for it between chunks', async () => {
    // Large enough for several chunks of the file.
    const path = await writeLog(20_000);
    await appendFile(path, `${JSON.stringify(message(30_000))}`); // a last line still being written
    const all = await collect(readEventLog(path));
    const handed: number[] = [];
    let batches = 0;
    let pending = false;
    const index = await buildSeqIndex(path, {
      every: 100,
      async onEvents(events) {
        expect(pending).toBe(false);
        pending = true;
        batches += 1;
        await new Promise((resolve) => setTimeout(resolve, 1));
        for (const event of events) handed.push(event.seq);
        pending = false;
      },
    });
    expect(batches).toBeGreaterThan(1);
    // What a reader yields, but the unfinished last line.
    expect(handed).toEqual(all.map((e) => e.seq).filter((seq) => seq !== 30_000));
    expect(index.count).toBe(20_000);
    // Later updates hand nothing out again.
    await appendFile(path, '\n');
    expect(await index.update()).toBe(1);
    expect(handed).toHaveLength(20_000);
  });

  it('pages through the index exactly as a full read would', async () => {
    const path = await writeLog(700);
    const all = await collect(readEventLog(path));
    const index = await buildSeqIndex(path, { every: 50 });
    expect(index.lastSeq).toBe(all.at(-1)?.seq);
    for (const afterSeq of [0, 1, 6, 7, 49, 50, 57, 58, 300, 699, 800, 815, 816, 10_000]) {
      for (const limit of [0, 1, 13, 100]) {
        const expected = all.filter((e) => e.seq > afterSeq);
        const page = await readEventPage(path, { afterSeq, limit, index });
        expect(page.events).toEqual(expected.slice(0, limit));
        expect(page.hasMore).toBe(expected.length > limit);
        expect(await readEventPage(path, { afterSeq, limit })).toEqual(page);
      }
    }
  });

  it('seeks to an entry at or before the page, never past it', async () => {
    const path = await writeLog(600);
    const index = await buildSeqIndex(path, { every: 100 });
    const events = await collect(readEventLog(path));
    const position = index.seek(events[450]?.seq as number);
    expect(position.offset).toBeGreaterThan(0);
    const fromThere = await collect(readEventLog(path, { afterSeq: events[450]?.seq, index }));
    expect(fromThere).toEqual(events.slice(451));
    expect(index.seek(0)).toEqual({ offset: 0, seqBefore: 0, line: 1 });
  });

  it('numbers original-format lines the same when paging from the middle', async () => {
    const path = join(await tempDir(), 'events.jsonl');
    const original = (i: number) =>
      `${JSON.stringify({ type: 'agent_message', timestamp: i, data: { content: i } })}\n`;
    await writeFile(path, Array.from({ length: 300 }, (_, i) => original(i)).join(''));
    const index = await buildSeqIndex(path, { every: 32 });
    const page = await readEventPage(path, { afterSeq: 200, limit: 3, index });
    expect(page.events.map((e) => [e.seq, e.data.content])).toEqual([
      [201, 200],
      [202, 201],
      [203, 202],
    ]);
  });

  it('updates incrementally as the log grows, indexing only whole lines', async () => {
    const dir = await tempDir();
    const path = join(dir, 'events.jsonl');
    await writeFile(path, [1, 2, 3].map(line).join(''));
    const index = await buildSeqIndex(path, { every: 2 });
    expect(index.count).toBe(3);
    const partial = line(4).slice(0, 30);
    await appendFile(path, partial);
    expect(await index.update()).toBe(0);
    expect(index.bytes).toBe(3 * line(1).length);
    await appendFile(path, line(4).slice(30) + line(5));
    expect(await index.update()).toBe(2);
    expect(index.lastSeq).toBe(5);
    expect(await index.update()).toBe(0);
    // readEventPage brings the index up to date itself.
    await appendFile(path, line(6));
    expect((await readEventPage(path, { afterSeq: 4, limit: 10, index })).events.map((e) => e.seq)).toEqual([
      5, 6,
    ]);
    expect(index.count).toBe(6);
  });

  it('rebuilds when the log got shorter', async () => {
    const path = join(await tempDir(), 'events.jsonl');
    await writeFile(path, [1, 2, 3].map(line).join(''));
    const index = await buildSeqIndex(path);
    await truncate(path, line(1).length);
    await appendFile(path, line(9));
    expect(await index.update()).toBe(2);
    expect((await readEventPage(path, { afterSeq: 0, limit: 5, index })).events.map((e) => e.seq)).toEqual([
      1, 9,
    ]);
  });

  it('rejects an index built for another file', async () => {
    const path = await writeLog(3);
    const other = await writeLog(3);
    const index = await buildSeqIndex(other);
    await expect(readEventPage(path, { limit: 1, index })).rejects.toThrow(/built for/);
  });
});
