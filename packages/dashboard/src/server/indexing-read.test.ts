import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readEventLog } from '@conductor/event-log';
import type { ConductorEvent } from '@conductor/events';
import { describe, expect, it } from 'vitest';
import { jsonlStore } from '../index.js';
import { runEvents, tempDir, writeLog } from './test-helpers.js';

async function seqsOf(events: AsyncIterable<ConductorEvent>): Promise<number[]> {
  const seqs: number[] = [];
  for await (const event of events) seqs.push(event.seq);
  return seqs;
}

/** A log of several chunks with damaged lines, and a last line still being written. */
async function damagedLog(): Promise<string> {
  const path = join(await tempDir(), 'events.jsonl');
  await writeLog(path, runEvents(6000));
  await appendFile(path, 'not json\n{"seq": 5990, "type": "agent_message", "timestamp": 1, "data": {}}\n');
  const last = {
    seq: 6001,
    type: 'agent_message',
    timestamp: 2,
    data: { agent_name: 'coder', content: 'x' },
  };
  await appendFile(path, JSON.stringify(last));
  return path;
}

describe('a jsonl store read from the start (the fold, riding on the index build)', () => {
  it('yields what a reader from the start yields, then pages without reading the file again', async () => {
    const path = await damagedLog();
    const expected = await seqsOf(readEventLog(path));
    expect(expected.at(-1)).toBe(6001);
    const store = jsonlStore(path, { indexEvery: 100 });
    expect(await seqsOf(store.read(0))).toEqual(expected);
    // A second read from the start reads the file as it is now, and sees what was appended.
    await appendFile(path, '\n{"seq": 6002, "type": "agent_message", "timestamp": 3, "data": {}}\n');
    expect((await seqsOf(store.read(0))).slice(-2)).toEqual([6001, 6002]);
    const latest = await store.page({ before: 6003, limit: 3 });
    expect(latest.events.map((e) => e.seq)).toEqual([6000, 6001, 6002]);
    const middle = await store.page({ after: 2999, limit: 2 });
    expect(middle.events.map((e) => e.seq)).toEqual([3000, 3001]);
  });

  it('still builds the index for a page asked for meanwhile when the reader stops early', async () => {
    const path = await damagedLog();
    const store = jsonlStore(path, { indexEvery: 100 });
    let page: ReturnType<typeof store.page> | null = null;
    for await (const event of store.read(0)) {
      if (event.seq === 10) page = store.page({ before: 5001, limit: 2 });
      if (event.seq === 20) break;
    }
    expect((await page)?.events.map((e) => e.seq)).toEqual([4999, 5000]);
  });

  it.runIf(existsSync('/proc/self/fd'))('closes the file when the reader stops early', async () => {
    const path = await damagedLog();
    const open = () =>
      readdirSync('/proc/self/fd').some((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`) === path;
        } catch {
          return false;
        }
      });
    const store = jsonlStore(path);
    for await (const event of store.read(0)) if (event.seq === 3) break;
    expect(open()).toBe(false);
    // The index given up is built afresh when needed.
    expect((await store.page({ after: 10, limit: 1 })).events[0]?.seq).toBe(11);
  });
});
