import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lastSeqOf, readEventLog, type SkippedLine } from './index.js';
import { collect, message, tempDir } from './test-helpers.js';

const line = (seq: number) => `${JSON.stringify(message(seq))}\n`;

// Lines as the original Python conductor wrote them: no seq.
const ORIGINAL = [
  {
    type: 'workflow_started',
    timestamp: 1732170000.1234,
    data: { name: 'review', entry_point: 'planner', agents: [{ name: 'planner', type: 'agent' }] },
  },
  {
    type: 'agent_started',
    timestamp: 1732170000.5,
    data: { agent_name: 'planner', iteration: 1, agent_type: 'agent' },
  },
  { type: 'agent_message', timestamp: 1732170001.25, data: { agent_name: 'planner', content: 'Plan: ...' } },
  {
    type: 'agent_completed',
    timestamp: 1732170003.75,
    data: { agent_name: 'planner', elapsed: 3.25, output: {} },
  },
]
  .map((e) => `${JSON.stringify(e)}\n`)
  .join('');

describe('readEventLog', () => {
  it('numbers lines without seq (original format) by their order among valid events', async () => {
    const path = join(await tempDir(), 'events.jsonl');
    await writeFile(
      path,
      `${ORIGINAL.split('\n').slice(0, 2).join('\n')}\ngarbage\n\n${ORIGINAL.split('\n').slice(2).join('\n')}`,
    );
    const events = await collect(readEventLog(path));
    expect(events.map((e) => [e.seq, e.type])).toEqual([
      [1, 'workflow_started'],
      [2, 'agent_started'],
      [3, 'agent_message'],
      [4, 'agent_completed'],
    ]);
    expect(events[0]?.timestamp).toBe(1732170000.1234);
    expect(await lastSeqOf(path)).toBe(4);
  });

  it('skips and counts lines that are not JSON or not events, ignoring blank lines', async () => {
    const path = join(await tempDir(), 'events.jsonl');
    await writeFile(
      path,
      [
        line(1),
        '\n',
        '   \n',
        '{"seq": 2, "type": "agent_message", "timestamp": \n',
        '[1,2,3]\n',
        '{"seq": 3, "type": "", "timestamp": 1, "data": {}}\n',
        '{"seq": 4, "type": "x", "timestamp": "noon", "data": {}}\n',
        line(5),
        line(5),
        line(6),
        '{"seq": 7, "type": "agent_mes',
      ].join(''),
    );
    const skips: SkippedLine[] = [];
    const log = readEventLog(path, { onSkip: (skip) => skips.push(skip) });
    expect((await collect(log)).map((e) => e.seq)).toEqual([1, 5, 6]);
    expect(log.skipped).toBe(6);
    expect(skips.map((s) => [s.line, s.reason])).toEqual([
      [4, 'invalid_json'],
      [5, 'invalid_event'],
      [6, 'invalid_event'],
      [7, 'invalid_event'],
      [9, 'seq_not_increasing'],
      [11, 'invalid_json'],
    ]);
    expect(skips[3]?.message).toMatch(/timestamp/);
    // Iterating again starts over, with a fresh count.
    expect(await collect(log)).toHaveLength(3);
    expect(log.skipped).toBe(6);
  });

  it('yields only events after afterSeq', async () => {
    const path = join(await tempDir(), 'events.jsonl');
    await writeFile(path, [1, 2, 3, 4, 5].map(line).join(''));
    expect((await collect(readEventLog(path, { afterSeq: 3 }))).map((e) => e.seq)).toEqual([4, 5]);
    expect(await collect(readEventLog(path, { afterSeq: 5 }))).toEqual([]);
  });

  it('streams lines longer than its read buffer', async () => {
    const path = join(await tempDir(), 'events.jsonl');
    const big = message(2, 'x'.repeat(700_000));
    await writeFile(path, `${line(1)}${JSON.stringify(big)}\n${line(3)}`);
    const events = await collect(readEventLog(path));
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(events[1]?.data.content).toHaveLength(700_000);
    expect(await lastSeqOf(path)).toBe(3);
    // A last line larger than the backward-reading chunk.
    await writeFile(path, `${line(1)}${JSON.stringify(big)}\n`);
    expect(await lastSeqOf(path)).toBe(2);
  });

  it('stops reading when the loop breaks', async () => {
    const path = join(await tempDir(), 'events.jsonl');
    await writeFile(path, [1, 2, 3].map(line).join(''));
    const seen: number[] = [];
    for await (const event of readEventLog(path)) {
      seen.push(event.seq);
      if (event.seq === 2) break;
    }
    expect(seen).toEqual([1, 2]);
  });

  it('fails with CONDUCTOR_EVENT_LOG_NOT_FOUND for a missing file', async () => {
    const path = join(await tempDir(), 'missing.jsonl');
    await expect(collect(readEventLog(path))).rejects.toMatchObject({
      code: 'CONDUCTOR_EVENT_LOG_NOT_FOUND',
    });
    await expect(lastSeqOf(path)).rejects.toMatchObject({ code: 'CONDUCTOR_EVENT_LOG_NOT_FOUND' });
  });
});

describe('lastSeqOf', () => {
  it('finds the last valid event, ignoring a damaged tail, and is 0 for an empty log', async () => {
    const dir = await tempDir();
    const path = join(dir, 'events.jsonl');
    await writeFile(path, '');
    expect(await lastSeqOf(path)).toBe(0);
    await writeFile(path, `${line(1)}${line(41)}\nnot json\n{"seq":42,"ty`);
    expect(await lastSeqOf(path)).toBe(41);
  });

  it('counts a log whose events continue an original-format log without seq', async () => {
    const path = join(await tempDir(), 'events.jsonl');
    await writeFile(path, ORIGINAL + line(5) + ORIGINAL);
    expect(await lastSeqOf(path)).toBe(9);
    expect((await collect(readEventLog(path))).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
