// Appends 1,000,000 realistic agent_message events (~230 bytes a line) through @conductor/event-log's
// writer (one write per event; buffered and flushed per step as the engine runs it), then the same bytes raw (one writeSync per line; one big write), and prints events/s and
// MB/s for each. Also times reading them back, finding the last seq, building the seq index and
// serving the last page.
// `node bench/event-log-writer.mjs [events]` after `pnpm build`, or `import { run }` (bench/run.mjs).
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import {
  buildSeqIndex,
  lastSeqOf,
  openEventLog,
  readEventLog,
  readEventPage,
} from '../packages/event-log/dist/index.js';

const WORDS = [
  'the',
  'diff',
  'adds',
  'a',
  'retry',
  'to',
  'charge()',
  'but',
  'never',
  'caps',
  'attempts;',
  'tests',
  'pass',
];

function makeEvent(seq) {
  let content = '';
  for (let i = 0; content.length < 80; i++) content += `${WORDS[(seq + i * 7) % WORDS.length]} `;
  return {
    seq,
    type: 'agent_message',
    timestamp: 1_732_170_000 + seq / 1000,
    data: { agent_name: 'reviewer', content, iteration: 1, subworkflow_path: [] },
  };
}

function entry(name, events, bytes, ms) {
  const seconds = ms / 1000;
  return {
    name,
    figures: {
      events,
      MB: Number((bytes / 1e6).toFixed(1)),
      seconds: Number(seconds.toFixed(3)),
      'events/s': Math.round(events / seconds),
      'MB/s': Number((bytes / 1e6 / seconds).toFixed(1)),
    },
  };
}

/** Runs the benchmark in a temp folder (removed afterwards); returns `{ name, figures }` entries. */
export async function run({ events = 1_000_000 } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'conductor-bench-event-log-'));
  try {
    const list = Array.from({ length: events }, (_, i) => makeEvent(i + 1));
    const report = [];

    // The writer as the engine uses it: seq check, JSON.stringify, one O_APPEND write per event.
    const logPath = join(dir, 'writer.jsonl');
    const writer = await openEventLog(logPath);
    let t = performance.now();
    for (const event of list) writer.append(event);
    const appendMs = performance.now() - t;
    t = performance.now();
    await writer.close(); // fsyncs: the whole log reaches the disk
    const closeMs = performance.now() - t;
    const { size: bytes } = await stat(logPath);
    const writerEntry = entry('event-log: writer.append, 1 write per event', events, bytes, appendMs);
    writerEntry.figures['close (fsync) s'] = Number((closeMs / 1000).toFixed(3));
    report.push(writerEntry);

    // The writer as the engine opens it: buffered, flushed at each step boundary. A `set` step writes 3
    // events and an agent step hundreds (its streamed messages): both shapes, same events.
    for (const perStep of [3, 100]) {
      const path = join(dir, `buffered-${perStep}.jsonl`);
      const buffered = await openEventLog(path, { buffered: true });
      t = performance.now();
      for (let i = 0; i < list.length; i++) {
        buffered.append(list[i]);
        if ((i + 1) % perStep === 0) buffered.flush();
      }
      buffered.flush();
      const ms = performance.now() - t;
      await buffered.close();
      report.push(
        entry(`event-log: writer.append buffered, flushed every ${perStep} events`, events, bytes, ms),
      );
    }

    // What serialization alone costs, to read the writer's figure against the raw ones below.
    t = performance.now();
    const lines = list.map((event) => `${JSON.stringify(event)}\n`);
    report.push(entry('event-log: JSON.stringify alone (no I/O)', events, bytes, performance.now() - t));

    // Raw: the same bytes, already serialized, one writeSync per line on one O_APPEND fd.
    t = performance.now();
    let fd = openSync(join(dir, 'raw-lines.jsonl'), 'a');
    for (const line of lines) writeSync(fd, line);
    closeSync(fd);
    report.push(
      entry('event-log: raw writeSync per line (pre-serialized)', events, bytes, performance.now() - t),
    );

    // Raw: all bytes in one buffer and one write call, the ceiling (timed: the write only).
    const all = Buffer.from(lines.join(''));
    if (all.length !== bytes) throw new Error(`writer wrote ${bytes} bytes, expected ${all.length}`);
    t = performance.now();
    fd = openSync(join(dir, 'raw-one.jsonl'), 'a');
    for (let done = 0; done < all.length; ) done += writeSync(fd, all, done);
    closeSync(fd);
    report.push(entry('event-log: raw single buffered write', events, bytes, performance.now() - t));

    t = performance.now();
    let count = 0;
    for await (const _ of readEventLog(logPath)) count++;
    report.push(
      entry('event-log: readEventLog (stream, parse, validate)', count, bytes, performance.now() - t),
    );

    // What a resume pays to open the log: the last seq is read forwards, by the reader's rules.
    t = performance.now();
    const last = await lastSeqOf(logPath);
    if (last !== events) throw new Error(`lastSeqOf says ${last}, expected ${events}`);
    report.push(entry('event-log: lastSeqOf (reads the whole log)', events, bytes, performance.now() - t));

    t = performance.now();
    const index = await buildSeqIndex(logPath);
    report.push(
      entry(
        `event-log: buildSeqIndex (every 256: ${index.entries} entries)`,
        index.count,
        bytes,
        performance.now() - t,
      ),
    );

    t = performance.now();
    const page = await readEventPage(logPath, { afterSeq: events - 100, limit: 100, index });
    const pageMs = performance.now() - t;
    if (page.events.length !== Math.min(100, events)) throw new Error('the last page has the wrong length');
    report.push({
      name: 'event-log: readEventPage, last 100 events via the index',
      figures: { ms: Number(pageMs.toFixed(2)) },
    });
    return report;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const report = await run({ events: process.argv[2] ? Number(process.argv[2]) : undefined });
  for (const { name, figures } of report) {
    console.log(name);
    for (const [key, value] of Object.entries(figures)) console.log(`  ${key.padEnd(16)} ${value}`);
  }
}
