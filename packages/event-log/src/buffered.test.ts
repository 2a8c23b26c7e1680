import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openEventLog, readEventLog } from './index.js';
import { collect, message, tempDir } from './test-helpers.js';

const seqsIn = async (path: string) => (await collect(readEventLog(path))).map((event) => event.seq);

describe('openEventLog with buffered: true', () => {
  it('keeps appends in memory until flush, then writes them all, each a whole line', async () => {
    const path = join(await tempDir(), 'events.jsonl');
    const writer = await openEventLog(path, { buffered: true });
    writer.append(message(1, 'multi\nline'));
    writer.append(message(2));
    // Read synchronously: an await would let the writer flush on the next turn of the event loop.
    expect(readFileSync(path, 'utf8')).toBe('');
    expect(writer.lastSeq).toBe(2);
    writer.flush();
    expect(await seqsIn(path)).toEqual([1, 2]);
    expect((await readFile(path, 'utf8')).endsWith('\n')).toBe(true);
    await writer.close();
  });

  it('writes what waits when the process next turns its event loop', async () => {
    const path = join(await tempDir(), 'events.jsonl');
    const writer = await openEventLog(path, { buffered: true });
    writer.append(message(1));
    await expect.poll(() => seqsIn(path)).toEqual([1]);
    await writer.close();
  });

  it('writes without a flush once 64 KiB wait', async () => {
    const path = join(await tempDir(), 'events.jsonl');
    const writer = await openEventLog(path, { buffered: true });
    const big = 'x'.repeat(20_000);
    for (let seq = 1; seq <= 4; seq++) writer.append(message(seq, big));
    // Synchronously, before any flush: the first 64 KiB went out as whole lines.
    expect(await seqsIn(path)).toEqual([1, 2, 3, 4]);
    await writer.close();
  });

  it('writes the rest at sync and at close', async () => {
    const path = join(await tempDir(), 'events.jsonl');
    const writer = await openEventLog(path, { buffered: true });
    writer.append(message(1));
    await writer.sync();
    expect(await seqsIn(path)).toEqual([1]);
    writer.append(message(2));
    await writer.close();
    expect(await seqsIn(path)).toEqual([1, 2]);
    expect(() => writer.append(message(3))).toThrow(
      expect.objectContaining({ code: 'CONDUCTOR_EVENT_LOG_CLOSED' }),
    );
  });

  it('still checks seqs at append', async () => {
    const path = join(await tempDir(), 'events.jsonl');
    const writer = await openEventLog(path, { buffered: true });
    writer.append(message(3));
    expect(() => writer.append(message(3))).toThrow(
      expect.objectContaining({ code: 'CONDUCTOR_EVENT_LOG_SEQ' }),
    );
    await writer.close();
    expect(await seqsIn(path)).toEqual([3]);
  });
});
