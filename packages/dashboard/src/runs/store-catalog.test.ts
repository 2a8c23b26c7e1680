import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type { ConductorEvent } from '@conductor/events';
import { claimRun, eventLogPath, writeRunRecord } from '@conductor/run-folder';
import { filesStore } from '@conductor/store';
import { afterEach, describe, expect, it } from 'vitest';
import { folderCatalog, storeCatalog } from '../index.js';
import { tempDir, writeLog } from '../server/test-helpers.js';

// The store catalog derives each row as the folder catalog does (one derivation, `runListEntry`), from
// whatever store it is given: here the files store of a home, so both read the same runs.

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

const T = 1_763_700_000;
const ev = (seq: number, at: number, type: string, data: Record<string, unknown> = {}): ConductorEvent => ({
  seq,
  type,
  timestamp: T + at,
  data,
});

async function writeRun(home: string, runId: string, events: ConductorEvent[]) {
  const path = eventLogPath(runId, home);
  await mkdir(dirname(path), { recursive: true });
  await writeLog(path, events);
  const at = new Date((T + runId.length) * 1000).toISOString();
  await writeRunRecord(
    {
      run_id: runId,
      workflow_path: '/flows/review.yaml',
      workflow_name: 'review',
      workflow_hash: null,
      status: 'running',
      pid: process.pid,
      started_at: at,
      updated_at: at,
      generation: 0,
      event_log_path: path,
      last_checkpoint_path: null,
    },
    { home },
  );
}

describe('storeCatalog', () => {
  it('lists the runs of a store with the rows the folder catalog derives, and names every owner’s host', async () => {
    const home = await tempDir();
    const start = ev(1, 0, 'workflow_started', {
      name: 'review',
      entry_point: 'plan',
      agents: [{ name: 'plan' }],
    });
    await writeRun(home, 'done', [
      start,
      ev(2, 1, 'agent_started', { agent_name: 'plan' }),
      ev(3, 4, 'agent_completed', { agent_name: 'plan', output: {}, cost_usd: 0.5 }),
      ev(4, 4, 'workflow_completed', { output: {} }),
    ]);
    await writeRun(home, 'broken', [
      start,
      ev(2, 1, 'agent_started', { agent_name: 'plan' }),
      ev(3, 3, 'workflow_failed', { error_type: 'ProviderError', message: 'overloaded', agent_name: 'plan' }),
    ]);
    await writeRun(home, 'killed', [start, ev(2, 5, 'agent_started', { agent_name: 'plan' })]);
    await writeRun(home, 'live-run', [start, ev(2, 1, 'agent_started', { agent_name: 'plan' })]);
    const claim = await claimRun('live-run', { home });
    cleanup.push(() => claim.release());

    const store = filesStore({ home });
    cleanup.push(() => store.close());
    const catalog = storeCatalog(store);
    const [fromStore, fromFolder] = await Promise.all([catalog.list(), folderCatalog({ home }).list()]);
    const strip = (rows: typeof fromStore) =>
      rows.map(({ active_seconds, wall_seconds, owner, why, ...row }) => row);
    expect(strip(fromStore)).toEqual(strip(fromFolder));
    const byId = Object.fromEntries(fromStore.map((row) => [row.run_id, row]));
    expect(byId.done).toMatchObject({ status: 'completed', cost_usd: 0.5, resumable: false });
    expect(byId.broken).toMatchObject({ status: 'failed', resumable: true });
    expect(byId.killed).toMatchObject({ status: 'died', resumable: true });
    expect(byId['live-run']).toMatchObject({
      status: 'running',
      owner: { pid: process.pid, host: hostname() },
      why: `running on host ${hostname()}`,
      deletable: false,
    });

    expect(await catalog.has('done')).toBe(true);
    expect(await catalog.has('nothing')).toBe(false);
    expect(await catalog.ownership('done')()).toEqual({ owner: 'none' });
    expect(await catalog.ownership('live-run')()).toMatchObject({ owner: 'this-process', pid: process.pid });
  });
});
