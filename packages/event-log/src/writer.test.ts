import { appendFile, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createEventBus } from '@conductor/events';
import { describe, expect, it } from 'vitest';
import { attachEventLog, lastSeqOf, openEventLog, readEventLog } from './index.js';
import { collect, message, tempDir } from './test-helpers.js';

const line = (seq: number) => `${JSON.stringify(message(seq))}\n`;

describe('openEventLog / append', () => {
  it('round-trips appended events through the reader, one line each', async () => {
    const path = join(await tempDir(), 'runs', 'r1', 'events.jsonl');
    const writer = await openEventLog(path);
    expect(writer.repaired).toBeNull();
    expect(writer.lastSeq).toBe(0);
    const events = [message(1, 'multi\nline "quoted"'), message(2), message(3)];
    for (const event of events) writer.append(event);
    writer.flush();
    // Written to the OS before close: a second reader sees it at once.
    expect(await collect(readEventLog(path))).toEqual(events);
    await writer.close();
    const text = await readFile(path, 'utf8');
    expect(text.split('\n')).toHaveLength(4);
    expect(text.endsWith('\n')).toBe(true);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('continues the seq of an existing log and rejects seqs that do not increase', async () => {
    const path = join(await tempDir(), 'events.jsonl');
    await writeFile(path, line(1) + line(2) + line(5));
    const writer = await openEventLog(path);
    expect(writer.lastSeq).toBe(5);
    expect(() => writer.append(message(5))).toThrow(
      expect.objectContaining({ code: 'CONDUCTOR_EVENT_LOG_SEQ' }),
    );
    expect(() => writer.append(message(4))).toThrow(/greater than 5/);
    expect(() => writer.append({ ...message(6), seq: 6.5 })).toThrow(
      expect.objectContaining({ code: 'CONDUCTOR_EVENT_LOG_SEQ' }),
    );
    writer.append(message(7));
    expect(writer.lastSeq).toBe(7);
    await writer.close();
    expect((await collect(readEventLog(path))).map((e) => e.seq)).toEqual([1, 2, 5, 7]);
  });

  it('moves a truncated last line aside, keeps it, and appends after the last whole line', async () => {
    const dir = await tempDir();
    const path = join(dir, 'events.jsonl');
    const fragment = line(3).slice(0, 40);
    await writeFile(path, line(1) + line(2) + fragment);

    const writer = await openEventLog(path);
    expect(writer.repaired).toMatchObject({ action: 'moved-fragment', bytes: Buffer.byteLength(fragment) });
    const fragmentPath = writer.repaired?.fragmentPath as string;
    expect(fragmentPath.startsWith(`${path}.fragment-`)).toBe(true);
    expect(await readFile(fragmentPath, 'utf8')).toBe(fragment);
    expect(writer.lastSeq).toBe(2);
    writer.append(message(3));
    await writer.close();

    // The new line did not merge into the fragment: every line parses, none skipped.
    expect(await readFile(path, 'utf8')).toBe(line(1) + line(2) + line(3));
    const log = readEventLog(path);
    expect((await collect(log)).map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(log.skipped).toBe(0);
  });

  it('moves aside a fragment larger than its read chunks', async () => {
    const path = join(await tempDir(), 'events.jsonl');
    const fragment = JSON.stringify(message(2, 'y'.repeat(300_000))).slice(0, 200_000);
    await writeFile(path, line(1) + fragment);
    const writer = await openEventLog(path);
    expect(writer.repaired?.bytes).toBe(200_000);
    expect(await readFile(writer.repaired?.fragmentPath as string, 'utf8')).toBe(fragment);
    expect(writer.lastSeq).toBe(1);
    await writer.close();
    expect(await readFile(path, 'utf8')).toBe(line(1));
  });

  it('moves aside a final line that ends with a newline but is not JSON', async () => {
    const path = join(await tempDir(), 'events.jsonl');
    await writeFile(path, `${line(1)}\0\0\0{"seq":2,"ty\n`);
    const writer = await openEventLog(path);
    expect(writer.repaired?.action).toBe('moved-fragment');
    expect(await readFile(writer.repaired?.fragmentPath as string, 'utf8')).toBe('\0\0\0{"seq":2,"ty\n');
    await writer.close();
    expect(await readFile(path, 'utf8')).toBe(line(1));
  });

  it('completes a whole last line that only lacks its newline instead of discarding it', async () => {
    const dir = await tempDir();
    const path = join(dir, 'events.jsonl');
    await writeFile(path, line(1) + line(2).trimEnd());
    const writer = await openEventLog(path);
    expect(writer.repaired).toEqual({ action: 'completed-line', bytes: 0, fragmentPath: null });
    expect(writer.lastSeq).toBe(2);
    writer.append(message(3));
    await writer.close();
    expect(await readFile(path, 'utf8')).toBe(line(1) + line(2) + line(3));
    expect((await readdir(dir)).filter((n) => n.includes('fragment'))).toEqual([]);
  });

  it('never overwrites an earlier fragment file', async () => {
    const dir = await tempDir();
    const path = join(dir, 'events.jsonl');
    await writeFile(path, `${line(1)}{"seq":2`);
    const first = await openEventLog(path);
    await first.close();
    await appendFile(path, '{"seq":3');
    const second = await openEventLog(path);
    await second.close();
    const fragments = (await readdir(dir)).filter((n) => n.startsWith('events.jsonl.fragment-')).sort();
    expect(fragments).toHaveLength(2);
    const contents = await Promise.all(fragments.map((n) => readFile(join(dir, n), 'utf8')));
    expect(contents.sort()).toEqual(['{"seq":2', '{"seq":3']);
  });

  it('leaves a clean log untouched, including a damaged line in the middle', async () => {
    const path = join(await tempDir(), 'events.jsonl');
    const content = `${line(1)}not json\n${line(2)}\n`;
    await writeFile(path, content);
    const writer = await openEventLog(path);
    expect(writer.repaired).toBeNull();
    expect(writer.lastSeq).toBe(2);
    await writer.close();
    expect(await readFile(path, 'utf8')).toBe(content);
  });

  it('rejects an event JSON cannot represent without writing anything', async () => {
    const path = join(await tempDir(), 'events.jsonl');
    const writer = await openEventLog(path);
    const data: Record<string, unknown> = { agent_name: 'a' };
    data.self = data;
    expect(() => writer.append({ seq: 1, type: 'agent_message', timestamp: 1, data })).toThrow(
      expect.objectContaining({ code: 'CONDUCTOR_EVENT_LOG_SERIALIZE' }),
    );
    expect(writer.lastSeq).toBe(0);
    writer.append(message(1));
    await writer.close();
    expect(await readFile(path, 'utf8')).toBe(line(1));
  });

  it('refuses appends after close', async () => {
    const writer = await openEventLog(join(await tempDir(), 'events.jsonl'));
    await writer.close();
    await writer.close();
    expect(writer.closed).toBe(true);
    expect(() => writer.append(message(1))).toThrow(
      expect.objectContaining({ code: 'CONDUCTOR_EVENT_LOG_CLOSED' }),
    );
  });

  it('syncs without error', async () => {
    const path = join(await tempDir(), 'events.jsonl');
    const writer = await openEventLog(path);
    writer.append(message(1));
    await writer.sync();
    await writer.close();
    expect(await lastSeqOf(path)).toBe(1);
  });
});

describe('attachEventLog', () => {
  it('appends every event the bus emits until detached', async () => {
    const path = join(await tempDir(), 'events.jsonl');
    const bus = createEventBus();
    const attached = await attachEventLog(bus, path);
    bus.emit('agent_started', { agent_name: 'planner', iteration: 1, agent_type: 'agent' });
    bus.emitRaw('agent_message', { agent_name: 'planner', content: 'hi' });
    expect(attached.writer.lastSeq).toBe(2);
    await attached.detach();
    bus.emitRaw('agent_message', { agent_name: 'planner', content: 'after detach' });
    const events = await collect(readEventLog(path));
    expect(events.map((e) => [e.seq, e.type])).toEqual([
      [1, 'agent_started'],
      [2, 'agent_message'],
    ]);
  });

  it('refuses a bus that would reuse seqs already in the log, and accepts one that continues', async () => {
    const path = join(await tempDir(), 'events.jsonl');
    await writeFile(path, line(1) + line(2) + line(3));
    await expect(attachEventLog(createEventBus({ lastSeq: 1 }), path)).rejects.toMatchObject({
      code: 'CONDUCTOR_EVENT_LOG_SEQ',
    });
    const bus = createEventBus({ lastSeq: await lastSeqOf(path) });
    const attached = await attachEventLog(bus, path);
    bus.emitRaw('workflow_resumed', {
      run_id: 'r',
      resumed_at_step: 'a',
      generation: 1,
      history_source: 'log',
    });
    await attached.detach();
    expect((await collect(readEventLog(path))).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
  });

  it('reports append failures through onError', async () => {
    const path = join(await tempDir(), 'events.jsonl');
    const bus = createEventBus();
    const errors: unknown[] = [];
    const attached = await attachEventLog(bus, path, { onError: (error) => errors.push(error) });
    const data: Record<string, unknown> = {};
    data.self = data;
    bus.emitRaw('agent_message', data);
    await attached.detach();
    expect(errors).toEqual([expect.objectContaining({ code: 'CONDUCTOR_EVENT_LOG_SERIALIZE' })]);
  });
});
