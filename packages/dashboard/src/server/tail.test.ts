import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type EventLogWriter, openEventLog } from '@conductor/event-log';
import type { ConductorEvent } from '@conductor/events';
import { afterEach, describe, expect, it } from 'vitest';
import { type StoreTail, type TailSink, tailLog } from './tail.js';
import { runEvents, tempDir, WAIT } from './test-helpers.js';

// The tail of a log that a writer of this process appends to (the run a dashboard serves): it takes
// the writes from the writer, and still delivers exactly what a reader of the file would, once each.

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const tick = () => new Promise((resolve) => setImmediate(resolve));

/** Records what the tail delivers; `slow(n)` makes the sink hold the next `n` deliveries of writes. */
function recording() {
  const seqs: number[] = [];
  /** For each delivery: whether it came from the writer (with its lines) or from the file. */
  const sources: Array<'writer' | 'file'> = [];
  const mismatches: string[] = [];
  const releases: Array<() => void> = [];
  let slowWrites = 0;
  let slowReads = false;
  const sink: TailSink = {
    events(events, lines) {
      seqs.push(...events.map((event) => event.seq));
      sources.push(lines === undefined ? 'file' : 'writer');
      if (lines !== undefined && lines !== events.map((event) => `${JSON.stringify(event)}\n`).join(''))
        mismatches.push(`lines of ${events[0]?.seq}..${events.at(-1)?.seq}`);
      if ((lines !== undefined && slowWrites > 0) || (lines === undefined && slowReads)) {
        if (lines !== undefined) slowWrites -= 1;
        return new Promise<void>((resolve) => releases.push(resolve));
      }
    },
    error(error) {
      throw error;
    },
  };
  return {
    seqs,
    sources,
    mismatches,
    sink,
    slow(n: number) {
      slowWrites = n;
    },
    slowFileReads(on: boolean) {
      slowReads = on;
    },
    release() {
      for (const resolve of releases.splice(0)) resolve();
    },
  };
}

/** A run's writer: `count` events, `perStep` per flush, yielding to the event loop every `perTurn`. */
async function run(writer: EventLogWriter, from: number, count: number, perStep = 3, perTurn = 60) {
  let i = 0;
  for (const event of runEvents(count, from)) {
    writer.append(event);
    i += 1;
    if (i % perStep === 0) writer.flush();
    if (i % perTurn === 0) await tick();
  }
  writer.flush();
}

async function setUp(history: number, options: { maxHeldEvents?: number } = {}) {
  const path = join(await tempDir(), 'events.jsonl');
  const writer = await openEventLog(path, { buffered: true });
  cleanup.push(() => writer.close());
  await run(writer, 1, history);
  const rec = recording();
  const tail: StoreTail = tailLog(path, rec.sink, {
    afterSeq: 0,
    start: async () => undefined,
    pollMs: 50,
    ...options,
  });
  cleanup.push(() => tail.close());
  return { path, writer, rec, tail };
}

describe('tailLog of a log written in this process', () => {
  it('reads the file to its end, then takes every write from the writer; after the writer closes, reads what others append', async () => {
    const { path, writer, rec } = await setUp(2000);
    await run(writer, 2001, 3000);
    await expect.poll(() => rec.seqs.at(-1), WAIT).toBe(5000);
    expect(rec.seqs).toEqual(range(1, 5000));
    expect(rec.sources[0]).toBe('file');
    expect(rec.sources.at(-1), 'the run goes on: its writes come from the writer').toBe('writer');
    expect(rec.mismatches).toEqual([]);
    await writer.close();
    // Another process resumes the run and appends: only the file can tell.
    const more = [...runEvents(10, 5001)].map((event) => `${JSON.stringify(event)}\n`).join('');
    await appendFile(path, more);
    await expect.poll(() => rec.seqs.at(-1), WAIT).toBe(5010);
    expect(rec.seqs).toEqual(range(1, 5010));
    expect(rec.sources.at(-1)).toBe('file');
    // Every line the writer handed over is the line in the file.
    expect(
      (await readFile(path, 'utf8'))
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as ConductorEvent).seq),
    ).toEqual(range(1, 5010));
  });

  it('reads from the file again when the sink falls behind, then goes back to the writer: each event once, in order', async () => {
    const { writer, rec } = await setUp(100);
    await run(writer, 101, 300);
    await expect.poll(() => rec.seqs.at(-1), WAIT).toBe(400);
    rec.slow(1);
    await run(writer, 401, 3000);
    // The sink holds one delivery; the writes go on and land in the file only.
    expect(rec.seqs.at(-1)).toBeLessThan(3400);
    rec.release();
    await expect.poll(() => rec.seqs.at(-1), WAIT).toBe(3400);
    expect(rec.seqs).toEqual(range(1, 3400));
    const afterSlow = rec.sources.slice(rec.sources.indexOf('writer'));
    expect(afterSlow, 'read back from the file after falling behind').toContain('file');
    await run(writer, 3401, 300);
    await expect.poll(() => rec.seqs.at(-1), WAIT).toBe(3700);
    expect(rec.seqs).toEqual(range(1, 3700));
    expect(rec.sources.at(-1), 'and back to the writer once caught up').toBe('writer');
    expect(rec.mismatches).toEqual([]);
  });

  it('holds only so many writes while a slow read catches up, and still delivers each event once, in order', async () => {
    const { writer, rec } = await setUp(0, { maxHeldEvents: 50 });
    rec.slowFileReads(true);
    await run(writer, 1, 3000);
    // Reads wait for the sink while the run writes on: more writes than may be held.
    for (let i = 0; i < 20 && rec.seqs.at(-1) !== 6000; i++) {
      const running = run(writer, 3001 + i * 150, 150);
      await expect.poll(() => rec.seqs.length, WAIT).toBeGreaterThan(0);
      rec.release();
      await running;
    }
    rec.slowFileReads(false);
    rec.release();
    await expect.poll(() => rec.seqs.at(-1), WAIT).toBe(6000);
    expect(rec.seqs).toEqual(range(1, 6000));
    expect(rec.mismatches).toEqual([]);
  });
});
