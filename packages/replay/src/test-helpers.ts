import { readdirSync, readlinkSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConductorEvent } from '@conductor/events';

export function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'conductor-replay-'));
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

export function event(
  seq: number,
  type = 'agent_message',
  data: Record<string, unknown> = {},
  timestamp = 1000 + seq,
): ConductorEvent {
  return { seq, type, timestamp, data: { agent_name: 'coder', content: `chunk ${seq}`, ...data } };
}

/** Paths of the files this process has open (Linux), to check that an early break closed a file. */
export function openFiles(): string[] {
  const paths: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      paths.push(readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      // The fd closed between listing and reading.
    }
  }
  return paths;
}
