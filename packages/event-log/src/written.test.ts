import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openEventLog, type WrittenLines, watchLogWrites } from './index.js';
import { message, tempDir } from './test-helpers.js';

function listener() {
  const heard: Array<{ seqs: number[]; text: string; bytes: number; sizeThen: number }> = [];
  const calls: string[] = [];
  let path = '';
  return {
    heard,
    calls,
    at(p: string) {
      path = p;
    },
    opened: (lastSeq: number) => void calls.push(`opened ${lastSeq}`),
    written(lines: WrittenLines) {
      calls.push('written');
      heard.push({
        seqs: lines.events.map((event) => event.seq),
        text: lines.text,
        bytes: lines.bytes,
        // Read at once, inside the call: the lines must be in the file already.
        sizeThen: statSync(path).size,
      });
    },
    ended: (clean: boolean) => void calls.push(`ended ${clean}`),
  };
}

describe('watchLogWrites', () => {
  it('hears each write of a writer in this process once it is in the file, with its lines as written', async () => {
    const path = join(await tempDir(), 'events.jsonl');
    const heard = listener();
    heard.at(path);
    const watching = watchLogWrites(path, heard);
    expect(watching.writtenSeq).toBeNull();
    const writer = await openEventLog(path, { buffered: true });
    expect(watching.writtenSeq).toBe(0);
    writer.append(message(1, 'multi\nline, é'));
    writer.append(message(2));
    // Appended is not written: nothing is heard before the write.
    expect(heard.heard).toEqual([]);
    expect(watching.writtenSeq).toBe(0);
    writer.flush();
    writer.append(message(3));
    await writer.close();
    expect(heard.calls).toEqual(['opened 0', 'written', 'written', 'ended true']);
    const file = readFileSync(path, 'utf8');
    expect(heard.heard.map((write) => write.seqs)).toEqual([[1, 2], [3]]);
    expect(heard.heard.map((write) => write.text).join('')).toBe(file);
    expect(heard.heard.map((write) => write.bytes)).toEqual(
      heard.heard.map((write) => Buffer.byteLength(write.text)),
    );
    // Each write was whole in the file when it was heard of.
    expect(heard.heard.map((write) => write.sizeThen)).toEqual([
      heard.heard[0]?.bytes,
      Buffer.byteLength(file),
    ]);
    expect(watching.writtenSeq).toBeNull();
    watching.stop();
  });

  it('tells where the file stands when it starts listening to an open log', async () => {
    const path = join(await tempDir(), 'events.jsonl');
    const first = await openEventLog(path);
    first.append(message(1));
    first.append(message(2));
    await first.close();
    const writer = await openEventLog(path, { buffered: true });
    writer.append(message(3));
    writer.flush();
    writer.append(message(4));
    const heard = listener();
    heard.at(path);
    const watching = watchLogWrites(path, heard);
    // The file holds up to 3; 4 is appended, not written yet, and will be heard of.
    expect(watching.writtenSeq).toBe(3);
    await writer.close();
    expect(heard.heard.map((write) => write.seqs)).toEqual([[4]]);
    watching.stop();
  });

  it('says the writes no longer tell the whole story when a second writer opens the log', async () => {
    const path = join(await tempDir(), 'events.jsonl');
    const heard = listener();
    heard.at(path);
    const watching = watchLogWrites(path, heard);
    const one = await openEventLog(path);
    one.append(message(1));
    const two = await openEventLog(path);
    expect(watching.writtenSeq).toBeNull();
    one.append(message(2));
    await one.close();
    await two.close();
    expect(heard.calls).toEqual(['opened 0', 'written', 'ended false']);
    watching.stop();
  });

  it('keeps a listener that throws from failing the append', async () => {
    const path = join(await tempDir(), 'events.jsonl');
    const watching = watchLogWrites(path, {
      opened() {},
      written() {
        throw new Error('a reader failed');
      },
      ended() {},
    });
    const writer = await openEventLog(path);
    expect(() => writer.append(message(1))).not.toThrow();
    writer.append(message(2));
    await writer.close();
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(2);
    watching.stop();
  });
});
