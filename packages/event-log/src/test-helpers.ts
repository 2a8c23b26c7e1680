import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConductorEvent } from '@conductor/events';

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
