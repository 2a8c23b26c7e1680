import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConductorEvent } from '@conductor/events';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildSeqIndex,
  lastSeqOf,
  openEventLog,
  readEventLog,
  readEventPage,
  type SkippedLine,
} from './index.js';
import { collect, message, reference, tempDir } from './test-helpers.js';

const LENGTH = 12;
const original = Array.from({ length: LENGTH }, (_, i) => message(i + 1));
const json = (event: unknown) => JSON.stringify(event);
const withSeq = (event: ConductorEvent, seq: number) => json({ ...event, seq });

/**
 * One kind of damage to line `k` (0-based) of the log, and what the reader must make of it: the
 * events it yields. `null` when the kind does not apply at `k`.
 */
interface Damage {
  name: string;
  lines(k: number): string[] | null;
  expected(k: number): ConductorEvent[];
}

const lines = original.map(json);
const replaced = (k: number, line: string) => lines.map((l, i) => (i === k ? line : l));
const without = (...indexes: number[]) => original.filter((_, i) => !indexes.includes(i));

const DAMAGES: Damage[] = [
  { name: 'garbage', lines: (k) => replaced(k, 'x7%!{not json'), expected: (k) => without(k) },
  {
    name: 'truncated JSON',
    lines: (k) => replaced(k, (lines[k] as string).slice(0, 30)),
    expected: (k) => without(k),
  },
  {
    name: 'JSON that is not an envelope',
    lines: (k) => replaced(k, json({ ...original[k], seq: undefined, type: undefined })),
    expected: (k) => without(k),
  },
  {
    name: 'seq jumped far ahead',
    lines: (k) => replaced(k, withSeq(original[k] as ConductorEvent, 999_999_999)),
    // The last line has no next line to show it jumped: it is read, and the log goes on from it.
    expected: (k) =>
      k === LENGTH - 1
        ? [...without(k), { ...(original[k] as ConductorEvent), seq: 999_999_999 }]
        : without(k),
  },
  {
    name: 'seq jumped ahead by one',
    lines: (k) => replaced(k, withSeq(original[k] as ConductorEvent, k + 2)),
    // The same seq twice in a row: the first is read (with its wrong seq), the second skipped.
    expected: (k) => [
      ...without(k, k + 1).slice(0, k),
      { ...(original[k] as ConductorEvent), seq: k + 2 },
      ...original.slice(k + 2),
    ],
  },
  {
    name: 'seq went back below its predecessor',
    lines: (k) => (k < 2 ? null : replaced(k, withSeq(original[k] as ConductorEvent, k - 1))),
    expected: (k) => without(k),
  },
  {
    name: 'seq equal to its predecessor',
    lines: (k) => (k < 1 ? null : replaced(k, withSeq(original[k] as ConductorEvent, k))),
    expected: (k) => without(k),
  },
  {
    name: 'seq equal to the first',
    lines: (k) => (k < 1 ? null : replaced(k, withSeq(original[k] as ConductorEvent, 1))),
    expected: (k) => without(k),
  },
  {
    name: 'duplicated right after',
    lines: (k) => [...lines.slice(0, k + 1), lines[k] as string, ...lines.slice(k + 1)],
    expected: () => original,
  },
  {
    name: 'duplicated 4 lines later',
    lines: (k) => [...lines.slice(0, k + 5), lines[k] as string, ...lines.slice(k + 5)],
    expected: () => original,
  },
  { name: 'deleted', lines: (k) => lines.filter((_, i) => i !== k), expected: (k) => without(k) },
  {
    name: 'swapped with the next line',
    lines: (k) =>
      k === LENGTH - 1
        ? null
        : lines.map((l, i) => (i === k ? lines[k + 1] : i === k + 1 ? lines[k] : l) as string),
    // The second event, read first, is the one out of line: it is skipped.
    expected: (k) => without(k + 1),
  },
];

const CASES = DAMAGES.flatMap((damage) =>
  original.flatMap((_, k) => {
    const damaged = damage.lines(k);
    return damaged
      ? [{ damage: damage.name, k, text: `${damaged.join('\n')}\n`, expected: damage.expected(k) }]
      : [];
  }),
);

describe('one damaged line costs only itself', () => {
  it.each(CASES.map((c) => [c.damage, c.k + 1, c] as const))(
    '%s at line %i',
    async (_name, _line, { text, expected }) => {
      const path = join(await tempDir(), 'events.jsonl');
      await writeFile(path, text);
      const events = await collect(readEventLog(path));
      expect(events).toEqual(expected);
      expect(events).toEqual(reference(text).events);
      const last = expected.at(-1)?.seq ?? 0;
      expect(await lastSeqOf(path)).toBe(last);
      const index = await buildSeqIndex(path, { every: 3 });
      expect([index.count, index.lastSeq]).toEqual([expected.length, last]);

      // A resumed run appends after the last seq read: what was read before reads the same, and
      // every new event is read.
      const writer = await openEventLog(path);
      expect(writer.lastSeq).toBe(last);
      const added = [message(last + 1, 'new 1'), message(last + 2, 'new 2')];
      for (const event of added) writer.append(event);
      await writer.close();
      expect(await collect(readEventLog(path))).toEqual([...expected, ...added]);
      expect(await index.update()).toBe(2);
      expect((await readEventPage(path, { afterSeq: 0, limit: 100, index })).events).toEqual([
        ...expected,
        ...added,
      ]);
    },
  );

  it('names the skipped line and why', async () => {
    const path = join(await tempDir(), 'events.jsonl');
    await writeFile(
      path,
      `${lines.slice(0, 3).join('\n')}\n${withSeq(original[3] as ConductorEvent, 999_999_999)}\n${lines.slice(4).join('\n')}\n`,
    );
    const skips: SkippedLine[] = [];
    await collect(readEventLog(path, { onSkip: (skip) => skips.push(skip) }));
    expect(skips).toEqual([
      {
        line: 4,
        offset: Buffer.byteLength(`${lines.slice(0, 3).join('\n')}\n`),
        reason: 'seq_outlier',
        message: "seq 999999999 jumps ahead: the next line's seq 5 follows seq 3",
      },
    ]);
  });

  it('looks past up to 63 skipped lines for the line that shows a seq jumped ahead', async () => {
    const dir = await tempDir();
    for (const [between, jumped] of [
      [63, false],
      [64, true],
    ] as const) {
      const path = join(dir, `events-${between}.jsonl`);
      const damaged = [
        lines[0],
        withSeq(original[1] as ConductorEvent, 999),
        ...Array(between).fill('bad'),
        ...lines.slice(2),
      ];
      await writeFile(path, `${damaged.join('\n')}\n`);
      const seqs = (await collect(readEventLog(path))).map((e) => e.seq);
      // Past the limit the jump is taken for a gap, and what follows it is lost: two damaged stretches.
      expect(seqs).toEqual(jumped ? [1, 999] : [1, ...original.slice(2).map((e) => e.seq)]);
    }
  });
});

type LineSpec =
  | string
  | { kind: 'event'; step: number }
  | { kind: 'seq'; seq: number }
  | { kind: 'jump' }
  | { kind: 'no-seq' };

/** A line of a log: mostly events whose seq grows with gaps, some damage of every kind. */
const lineArbitrary: fc.Arbitrary<LineSpec> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({ kind: fc.constant('event' as const), step: fc.integer({ min: 1, max: 3 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('seq' as const), seq: fc.integer({ min: 1, max: 60 }) }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'jump' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'no-seq' as const }) },
  { weight: 1, arbitrary: fc.constantFrom('', 'garbage', '{"seq":', '{}', '[1]', '{"seq":3,"type":"x"}') },
);

function render(spec: LineSpec[]): string {
  let seq = 0;
  const out = spec.map((item, i) => {
    if (typeof item === 'string') return item;
    if (item.kind === 'event') {
      seq += item.step;
      return json(message(seq, `line ${i + 1}`));
    }
    if (item.kind === 'seq') return json(message(item.seq, `line ${i + 1}`));
    if (item.kind === 'jump') return json(message(seq + 1000, `line ${i + 1}`));
    return json({ type: 'agent_message', timestamp: 1, data: { content: `line ${i + 1}` } });
  });
  return out.join('\n');
}

describe('every reader of a log reads it the same way', () => {
  it('reader, lastSeqOf, the index (built at any point of the file) and the writer agree', async () => {
    const dir = await tempDir();
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(lineArbitrary, { maxLength: 40 }),
        fc.boolean(),
        fc.double({ min: 0, max: 1, noNaN: true }),
        async (spec, newline, split) => {
          const text = render(spec) + (newline ? '\n' : '');
          const path = join(dir, `events-${n++}.jsonl`);
          const { events } = reference(text);
          const last = events.at(-1)?.seq ?? 0;

          // The index built on a prefix (cut anywhere, even inside a line), then brought up to date.
          const bytes = Buffer.from(text);
          const cut = Math.floor(bytes.length * split);
          await writeFile(path, bytes.subarray(0, cut));
          const index = await buildSeqIndex(path, { every: 2 });
          await appendFile(path, bytes.subarray(cut));

          expect(await collect(readEventLog(path))).toEqual(events);
          expect(await lastSeqOf(path)).toBe(last);
          await index.update();
          const complete =
            newline || text === '' ? events : reference(text.slice(0, text.lastIndexOf('\n') + 1)).events;
          expect([index.count, index.lastSeq]).toEqual([complete.length, complete.at(-1)?.seq ?? 0]);
          for (const at of new Set([
            0,
            Math.min(1, complete.length),
            Math.floor(complete.length / 2),
            complete.length,
          ])) {
            const afterSeq = at === 0 ? 0 : (complete[at - 1] as ConductorEvent).seq;
            expect(await collect(readEventLog(path, { afterSeq, index }))).toEqual(
              events.filter((e) => e.seq > afterSeq),
            );
          }

          // Appending after the last seq read changes nothing about what was read before.
          const writer = await openEventLog(path);
          expect(writer.lastSeq).toBe(last);
          writer.append(message(last + 1, 'appended'));
          await writer.close();
          expect(await collect(readEventLog(path))).toEqual([...events, message(last + 1, 'appended')]);
        },
      ),
      { numRuns: 150 },
    );
  });
});
