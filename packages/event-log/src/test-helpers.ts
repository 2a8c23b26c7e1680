import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ConductorEvent, EventEnvelopeSchema } from '@conductor/events';
import type { SkippedLine } from './lines.js';

/** A fresh folder under the OS temp dir. */
export function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'conductor-event-log-'));
}

/** A realistic streamed agent message. */
export function message(seq: number, content = `chunk ${seq}`): ConductorEvent {
  return {
    seq,
    type: 'agent_message',
    timestamp: 1_732_170_000 + seq / 10,
    data: { agent_name: 'coder', content },
  };
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** The reading rules spelled out with the schema alone (no fast path), the whole text at once. */
export function reference(text: string): {
  events: ConductorEvent[];
  skips: SkippedLine[];
  lineOf: number[];
} {
  type Item =
    | { line: number; offset: number; skip: SkippedLine['reason']; message: string }
    | { line: number; offset: number; event: Omit<ConductorEvent, 'seq'> & { seq?: number } };
  const items: Item[] = [];
  let offset = 0;
  for (const [i, line] of text.split('\n').entries()) {
    const at = offset;
    offset += Buffer.byteLength(line) + 1;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      items.push({ line: i + 1, offset: at, skip: 'invalid_json', message: (error as Error).message });
      continue;
    }
    const result = EventEnvelopeSchema['~standard'].validate(value);
    if (result instanceof Promise) throw new TypeError('async schema');
    if (result.issues) {
      const issue = result.issues[0];
      const where = issue?.path?.map((p) => (typeof p === 'object' ? String(p.key) : String(p))).join('.');
      const message = `${where ? `${where}: ` : ''}${issue?.message ?? 'not an event envelope'}`;
      items.push({ line: i + 1, offset: at, skip: 'invalid_event', message });
      continue;
    }
    items.push({ line: i + 1, offset: at, event: result.value as Omit<ConductorEvent, 'seq'> });
  }
  const events: ConductorEvent[] = [];
  const lineOf: number[] = [];
  const skips: SkippedLine[] = [];
  let seqBefore = 0;
  for (const [i, item] of items.entries()) {
    if ('skip' in item) {
      skips.push({ line: item.line, offset: item.offset, reason: item.skip, message: item.message });
      continue;
    }
    const { seq } = item.event;
    const skip = (reason: SkippedLine['reason'], message: string) =>
      skips.push({ line: item.line, offset: item.offset, reason, message });
    if (seq !== undefined && seq <= seqBefore) {
      skip('seq_not_increasing', `seq ${seq} does not follow seq ${seqBefore}`);
      continue;
    }
    // The next line that says something about this one: an event with no seq or one above seqBefore,
    // passing over at most 63 lines skipped whatever happens (the 64th ends the wait).
    let nextSeq: number | undefined;
    for (let j = i + 1, passed = 0; j < items.length && passed < 64; j++) {
      const next = items[j] as Item;
      if ('event' in next && (next.event.seq === undefined || next.event.seq > seqBefore)) {
        nextSeq = next.event.seq;
        break;
      }
      passed += 1;
    }
    if (seq !== undefined && nextSeq !== undefined && seqBefore < nextSeq && nextSeq < seq) {
      skip('seq_outlier', `seq ${seq} jumps ahead: the next line's seq ${nextSeq} follows seq ${seqBefore}`);
      continue;
    }
    const numbered = { ...item.event, seq: seq ?? seqBefore + 1 } as ConductorEvent;
    seqBefore = numbered.seq;
    events.push(numbered);
    lineOf.push(item.line);
  }
  return { events, skips, lineOf };
}
