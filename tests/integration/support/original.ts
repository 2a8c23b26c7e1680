import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './chromium.js';

export const example = (name: string) => join(repoRoot, 'examples', name);

export interface LoggedEvent {
  seq: number;
  type: string;
  data: Record<string, unknown>;
}

/** The events of a run under `home` (its only run when `runId` is not given). */
export function events(home: string, runId?: string): LoggedEvent[] {
  const id = runId ?? (readdirSync(join(home, 'runs')).find((name) => !name.endsWith('.json')) as string);
  return readFileSync(join(home, 'runs', id, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}
