import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from './support/cli.js';
import { failsOnceWorkflow, storedEvents, storeUrl } from './support/pg.js';

const logOf = (home: string, runId: string) =>
  readFileSync(join(home, 'runs', runId, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

describe('moving runs between a home and the store', () => {
  it('store import copies a local run in, store export writes it back as files another home resumes, and the password never shows', async () => {
    const base = storeUrl();
    const [homeA, homeB] = [tempDir(), tempDir()];
    const marker = join(homeA, 'fail-once');
    writeFileSync(marker, '');
    const workflow = failsOnceWorkflow(homeA, marker);
    // A run of the files store alone.
    const failed = await runCli(['run', workflow, '-q'], homeA, { CONDUCTOR_RUN_ID: 'moved' });
    expect(failed.code, failed.stderr).toBe(1);
    const local = logOf(homeA, 'moved');

    const imported = await runCli(['store', 'import', '--run', 'moved', '--store', base], homeA);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(
      new RegExp(`${local.length} events, 1 checkpoints and its record copied`),
    );
    expect(await storedEvents(base, 'moved')).toEqual(local);
    // Again: nothing new to copy.
    const again = await runCli(['store', 'import', '--run', 'moved', '--store', base], homeA);
    expect(again.stdout).toMatch(/0 events, 0 checkpoints/);

    const exported = await runCli(['store', 'export', '--run', 'moved'], homeB, { CONDUCTOR_STORE: base });
    expect(exported.code, exported.stderr).toBe(0);
    expect(logOf(homeB, 'moved')).toEqual(local);
    // The exported files are a run like any other: resumed there without the store.
    const resumed = await runCli(['resume', '--run', 'moved', '-q'], homeB);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toEqual({ six: 6 });
  });

  it('an unreachable store: the error names it without the password, exit 1', async () => {
    const home = tempDir();
    const result = await runCli(
      ['store', 'migrate', '--store', 'postgres://someone:Very-Secret-9@127.0.0.1:1/db'],
      home,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('could not migrate the store postgres://someone:***@127.0.0.1:1/db');
    expect(result.stdout + result.stderr).not.toContain('Very-Secret-9');
  });
});
