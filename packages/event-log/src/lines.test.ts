import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConductorEvent } from '@conductor/events';
import { describe, expect, it } from 'vitest';
import { buildSeqIndex, readEventLog, readEventPage, type SkippedLine } from './index.js';
import { parseLine } from './lines.js';
import { collect, reference, tempDir } from './test-helpers.js';

/** Equal, and with the same own keys in the same order at the top and in `data`. */
function expectSameEvents(actual: ConductorEvent[], expected: ConductorEvent[]) {
  expect(actual).toEqual(expected);
  const shape = (events: ConductorEvent[]) =>
    events.map((e) => [Object.keys(e), e.data && typeof e.data === 'object' ? Object.keys(e.data) : null]);
  expect(shape(actual)).toEqual(shape(expected));
}

// Envelopes the schema accepts but reshapes (reorders, defaults, drops keys), and ones it rejects.
const TRICKY = [
  '{"seq":1,"type":"a","timestamp":1,"data":{}}',
  '{"type":"a","seq":2,"timestamp":1,"data":{}}',
  '{"type":"a","timestamp":1}',
  '{"type":"a","timestamp":1,"data":{"k":1},"extra":1}',
  '{"seq":5,"type":"a","timestamp":1,"data":[1,2]}',
  '{"seq":6,"type":"a","timestamp":1,"data":{"__proto__":{"x":1},"constructor":2,"prototype":3,"ok":4}}',
  '{"seq":7,"type":"a","timestamp":1,"data":{},"__proto__":{"polluted":true}}',
  '{"seq":8,"type":"a","timestamp":1,"data":{},"constructor":1,"prototype":2}',
  '{"seq":9,"type":"a","timestamp":1,"data":{},"2":"x","1":"y"}',
  '{"seq":10.0,"type":"a","timestamp":1e999,"data":{}}',
  '{"seq":10.5,"type":"a","timestamp":1,"data":{}}',
  '{"seq":0,"type":"a","timestamp":1,"data":{}}',
  '{"seq":"11","type":"a","timestamp":1,"data":{}}',
  '{"seq":12,"type":"","timestamp":1,"data":{}}',
  '{"seq":13,"type":"a","timestamp":"1","data":{}}',
  '{"seq":14,"type":"a","timestamp":1,"data":null}',
  '{"seq":15,"type":"a","timestamp":1,"data":"x"}',
  '{"seq":16,"type":"a","timestamp":1,"data":{},"seq":17}',
  'null',
  '1',
  '"x"',
  '[]',
  '[{"seq":18,"type":"a","timestamp":1,"data":{}}]',
  'true',
  '  {"seq":18,"type":"a","timestamp":1.5,"data":{"k":[1,{"a":null}]}}  ',
  '\t\r',
  '{"seq":19,"type":"a","timestamp":1,"data":{}}\r',
  '{"type":"b","timestamp":2,"data":{"k":1}}',
  '{"seq":20,"type":"a","timestamp":1,"data":{}}',
  '{"data":{},"timestamp":1,"type":"c","seq":30}',
  '{"seq":31,"type":"a","timestamp":1,"data":{"nested":{"__proto__":1}}}',
  '{"seq":32,"timestamp":1,"type":"a","data":{}}',
  '{"seq":33,"type":"a","timestamp":1,"data":{"0":1,"b":2}}',
  '{"seq":34,"type":"x\\u0000","timestamp":-1.5,"data":{"s":"\\ud800 ü → 😀"}}',
  '{"se\\u0071":35,"type":"a","timestamp":1,"data":{}}',
  '{"seq":36,"type":"a","timestamp":1,"data":{"\\u005f_proto__":1}}',
  '{"seq":37,"type":"a","timestamp":1,"data":{},"__proto__":null}',
  '{"seq":38,"type":"a","timestamp":1,"data":{"constructor":{}}}',
  '{"seq":39,"type":"a","timestamp":1,"data":{},"x":1,"seq":39.5}',
  '{"seq":40,"type":"a","timestamp":1,"data":{}',
  '{"seq":41,"type":"a","timestamp":1,"data":{}} {}',
  '{"seq":9007199254740993,"type":"a","timestamp":1,"data":{}}',
  '{"type":"after-max","timestamp":1}',
];

describe('the fast envelope check', () => {
  it('parses every line exactly as the schema does, key order included', () => {
    for (const line of TRICKY) {
      const parsed = parseLine(line);
      const { events, skips } = reference(line);
      if (parsed.kind === 'blank') {
        expect([events, skips]).toEqual([[], []]);
      } else if (parsed.kind === 'skip') {
        expect([parsed.reason, parsed.message]).toEqual([skips[0]?.reason, skips[0]?.message]);
      } else {
        const event = { ...parsed.event, seq: parsed.event.seq ?? 1 } as ConductorEvent;
        expectSameEvents([event], events);
      }
    }
  });

  it('reads a log of unusual lines as the schema alone would', async () => {
    const text = `${TRICKY.join('\n')}\n{"seq":9007199254740999,"type":"last","timestamp":1,"data":{}}`;
    const path = join(await tempDir(), 'events.jsonl');
    await writeFile(path, text);
    const { events, skips } = reference(text);
    const seen: SkippedLine[] = [];
    const log = readEventLog(path, { onSkip: (skip) => seen.push(skip) });
    expectSameEvents(await collect(log), events);
    expect(seen).toEqual(skips);
    expect(log.skipped).toBe(skips.length);
  });
});

describe('reading in chunks', () => {
  // Lines of every size, multi-byte characters across chunk boundaries, damage and original-format
  // lines: over 2 MB, so many 256 KiB chunks.
  function bigLog(): string {
    const lines: string[] = [];
    let seq = 0;
    for (let i = 0; lines.length < 6000; i++) {
      const content = `${'ü→😀 '.repeat(i % 37)}${'x'.repeat((i * 7919) % 500)}`;
      if (i % 97 === 5) lines.push('{"seq": broken');
      // Seqs that jump ahead or go back.
      else if (i % 101 === 7)
        lines.push(JSON.stringify({ seq: seq + 1000, type: 'outlier', timestamp: i, data: {} }));
      else if (i % 103 === 9)
        lines.push(JSON.stringify({ seq: seq - 2, type: 'behind', timestamp: i, data: {} }));
      else if (i % 89 === 3) lines.push('');
      else if (i % 83 === 1)
        lines.push(JSON.stringify({ type: 'original', timestamp: i, data: { content } }));
      else if (i % 1500 === 700)
        lines.push(
          JSON.stringify({ seq: ++seq, type: 'big', timestamp: i, data: { big: 'y'.repeat(600_000) } }),
        );
      else {
        seq += 1 + (i % 3);
        lines.push(JSON.stringify({ seq, type: 'agent_message', timestamp: i / 10, data: { content } }));
      }
    }
    return `${lines.join('\n')}\n`;
  }

  it('reads, indexes and pages like a line-by-line reading', async () => {
    const text = bigLog();
    const path = join(await tempDir(), 'events.jsonl');
    await writeFile(path, text);
    const { events, skips } = reference(text);
    expect(events.length).toBeGreaterThan(5000);
    const seen: SkippedLine[] = [];
    expectSameEvents(await collect(readEventLog(path, { onSkip: (skip) => seen.push(skip) })), events);
    expect(seen).toEqual(skips);

    const index = await buildSeqIndex(path, { every: 37 });
    expect(index.count).toBe(events.length);
    expect(index.lastSeq).toBe(events.at(-1)?.seq);
    expect(index.bytes).toBe(Buffer.byteLength(text));
    for (const at of [0, 1, 36, 37, 1000, 2999, events.length - 5, events.length]) {
      const afterSeq = at === 0 ? 0 : (events[at - 1] as ConductorEvent).seq;
      const expected = events.filter((e) => e.seq > afterSeq);
      const page = await readEventPage(path, { afterSeq, limit: 50, index });
      expectSameEvents(page.events, expected.slice(0, 50));
      expect(page.hasMore).toBe(expected.length > 50);
      expectSameEvents(await collect(readEventLog(path, { afterSeq, index })), expected);
    }
  });

  it('reports skipped lines in file order, between the events around them', async () => {
    const text = bigLog();
    const path = join(await tempDir(), 'events.jsonl');
    await writeFile(path, text);
    const order: string[] = [];
    const log = readEventLog(path, { onSkip: (skip) => order.push(`skip ${skip.line}`) });
    let counted = 0;
    for await (const event of log) {
      order.push(`event ${event.seq}`);
      // The count so far covers the lines before this event only.
      expect(log.skipped).toBe(order.filter((o) => o.startsWith('skip')).length);
      counted += 1;
      if (counted === 3000) break;
    }
    const { events, skips, lineOf } = reference(text);
    const lastLine = lineOf[2999] as number;
    const expected = [
      ...skips.filter((s) => s.line < lastLine).map((s) => [s.line, `skip ${s.line}`] as const),
      ...events.slice(0, 3000).map((e, i) => [lineOf[i] as number, `event ${e.seq}`] as const),
    ]
      .sort((a, b) => a[0] - b[0])
      .map(([, o]) => o);
    expect(order).toEqual(expected);
  });

  it('serves calls to next() made before the previous one settled, in order', async () => {
    const path = join(await tempDir(), 'events.jsonl');
    const line = (seq: number, size = 10) =>
      JSON.stringify({ seq, type: 'm', timestamp: seq, data: { content: 'z'.repeat(size) } });
    await writeFile(path, `${line(1, 300_000)}\n${line(2)}\n${line(3, 300_000)}\n${line(4)}\n`);
    const iterator = readEventLog(path)[Symbol.asyncIterator]();
    const results = await Promise.all([1, 2, 3, 4, 5, 6].map(() => iterator.next()));
    expect(results.map((r) => (r.done ? 'done' : r.value.seq))).toEqual([1, 2, 3, 4, 'done', 'done']);
  });

  it('ends the iteration when onSkip throws', async () => {
    const path = join(await tempDir(), 'events.jsonl');
    await writeFile(
      path,
      '{"seq":1,"type":"a","timestamp":1,"data":{}}\nbad\n{"seq":2,"type":"a","timestamp":1}\n',
    );
    const iterator = readEventLog(path, {
      onSkip: () => {
        throw new Error('boom');
      },
    })[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.seq).toBe(1);
    await expect(iterator.next()).rejects.toThrow('boom');
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });
});
