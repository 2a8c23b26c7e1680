import { mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkpointDir,
  deleteCheckpoints,
  latestCheckpointFor,
  listCheckpoints,
  loadCheckpoint,
  pruneCheckpoints,
  saveCheckpoint,
} from './index.js';
import { sampleCheckpoint, tempDir } from './test-helpers.js';

describe('saveCheckpoint', () => {
  it('writes to runs/<run_id>/checkpoints/<time>-<trigger>.json, mode 0600, no temp file left', async () => {
    const home = await tempDir();
    const checkpoint = sampleCheckpoint();
    const path = await saveCheckpoint(checkpoint, { home });
    const dir = checkpointDir('run-1', home);
    expect(path.startsWith(`${dir}/`)).toBe(true);
    expect(path.slice(dir.length + 1)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{6}\.\d{3}Z-failure\.json$/);
    expect(await readdir(dir)).toEqual([path.slice(dir.length + 1)]);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await loadCheckpoint(path)).toEqual(checkpoint);
  });

  it('gives every save a new name that sorts in save order', async () => {
    const home = await tempDir();
    const saved: string[] = [];
    for (let i = 0; i < 25; i++) {
      saved.push(
        await saveCheckpoint(sampleCheckpoint({ trigger: i % 2 ? 'periodic' : 'interrupt', last_seq: i }), {
          home,
        }),
      );
    }
    expect(new Set(saved).size).toBe(25);
    expect([...saved].sort()).toEqual(saved);
    const names = await readdir(checkpointDir('run-1', home));
    expect(names).toHaveLength(25);
  });

  it('replaces a file at an explicit path, keeping 0600', async () => {
    const path = join(await tempDir(), 'nested', 'resume.json');
    await saveCheckpoint(sampleCheckpoint({ current_step: 'planner' }), path);
    await saveCheckpoint(sampleCheckpoint({ current_step: 'reviewer' }), path);
    expect((await loadCheckpoint(path)).current_step).toBe('reviewer');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(join(path, '..'))).toEqual(['resume.json']);
  });

  it('refuses an invalid checkpoint before writing anything', async () => {
    const home = await tempDir();
    const bad = { ...sampleCheckpoint(), current_step: '' };
    await expect(saveCheckpoint(bad, { home })).rejects.toMatchObject({
      code: 'CONDUCTOR_CHECKPOINT_INVALID',
      issues: [expect.objectContaining({ field: 'current_step' })],
    });
    await expect(readdir(join(home, 'runs'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('reports a folder it cannot write to, leaving no temp file', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'file'), '');
    await expect(saveCheckpoint(sampleCheckpoint(), join(dir, 'file', 'cp.json'))).rejects.toMatchObject({
      code: 'CONDUCTOR_CHECKPOINT_WRITE',
    });
    expect(await readdir(dir)).toEqual(['file']);
  });

  it('removes its temp file when the final rename fails', async () => {
    const dir = await tempDir();
    // A non-empty folder where the file should go: the rename over it fails.
    await mkdir(join(dir, 'cp.json'));
    await writeFile(join(dir, 'cp.json', 'x'), '');
    await expect(saveCheckpoint(sampleCheckpoint(), join(dir, 'cp.json'))).rejects.toMatchObject({
      code: 'CONDUCTOR_CHECKPOINT_WRITE',
    });
    expect(await readdir(dir)).toEqual(['cp.json']);
  });

  it('rejects a run id that cannot name a folder', () => {
    expect(() => checkpointDir('../x', '/h')).toThrow(expect.objectContaining({ code: 'CONDUCTOR_RUN_ID' }));
  });
});

describe('listCheckpoints / latestCheckpointFor', () => {
  it('lists every run newest first, reporting unreadable files without touching them', async () => {
    const home = await tempDir();
    await saveCheckpoint(sampleCheckpoint({ run_id: 'a', created_at: '2025-01-01T00:00:00.000Z' }), { home });
    await saveCheckpoint(
      sampleCheckpoint({ run_id: 'b', created_at: '2025-03-01T00:00:00.000Z', generation: 2 }),
      {
        home,
      },
    );
    await saveCheckpoint(sampleCheckpoint({ run_id: 'a', created_at: '2025-02-01T00:00:00.000Z' }), { home });
    const broken = join(checkpointDir('a', home), '2025-04-01T000000.000Z-failure.json');
    await writeFile(broken, '{"version": 2,');
    await writeFile(join(checkpointDir('a', home), '.abc.checkpoint.tmp'), 'partial');
    await mkdir(join(home, 'runs', 'no-checkpoints'), { recursive: true });

    const { checkpoints, unreadable } = await listCheckpoints({ home });
    expect(checkpoints.map((c) => [c.run_id, c.created_at])).toEqual([
      ['b', '2025-03-01T00:00:00.000Z'],
      ['a', '2025-02-01T00:00:00.000Z'],
      ['a', '2025-01-01T00:00:00.000Z'],
    ]);
    expect(checkpoints[0]).toMatchObject({
      workflow_path: '/work/flows/review.yaml',
      current_step: 'coder',
      trigger: 'failure',
      generation: 2,
      last_seq: 57,
      migrated_from: null,
    });
    expect(unreadable).toEqual([
      { path: broken, error: expect.objectContaining({ code: 'CONDUCTOR_CHECKPOINT_CORRUPT' }) },
    ]);
    expect(await readFile(broken, 'utf8')).toBe('{"version": 2,');
    expect((await listCheckpoints({ home, runId: 'b' })).checkpoints).toHaveLength(1);
    expect(await listCheckpoints({ home: join(home, 'empty') })).toEqual({ checkpoints: [], unreadable: [] });
  });

  it('finds the newest checkpoint of a workflow by its real path', async () => {
    const home = await tempDir();
    const flows = await tempDir();
    const real = join(flows, 'review.yaml');
    await writeFile(real, 'name: review\n');
    const link = join(flows, 'link.yaml');
    await symlink(real, link);
    await saveCheckpoint(
      sampleCheckpoint({ run_id: 'old', workflow_path: real, created_at: '2025-01-01T00:00:00Z' }),
      {
        home,
      },
    );
    await saveCheckpoint(
      sampleCheckpoint({ run_id: 'new', workflow_path: link, created_at: '2025-02-01T00:00:00Z' }),
      {
        home,
      },
    );
    await saveCheckpoint(
      sampleCheckpoint({
        run_id: 'other',
        workflow_path: join(flows, 'other.yaml'),
        created_at: '2025-03-01T00:00:00Z',
      }),
      { home },
    );
    expect((await latestCheckpointFor(real, { home }))?.run_id).toBe('new');
    expect((await latestCheckpointFor(join(flows, 'sub', '..', 'link.yaml'), { home }))?.run_id).toBe('new');
    expect(await latestCheckpointFor(join(flows, 'missing.yaml'), { home })).toBeNull();
  });
});

describe('deleteCheckpoints / pruneCheckpoints', () => {
  it('keeps the newest periodic checkpoints and every other trigger', async () => {
    const home = await tempDir();
    const periodic: string[] = [];
    for (let i = 0; i < 5; i++) {
      const created_at = `2025-01-01T00:00:0${i}.000Z`;
      periodic.push(
        await saveCheckpoint(sampleCheckpoint({ trigger: 'periodic', created_at, failure: null }), { home }),
      );
    }
    const failure = await saveCheckpoint(sampleCheckpoint({ created_at: '2025-01-01T00:00:00.500Z' }), {
      home,
    });
    const other = await saveCheckpoint(
      sampleCheckpoint({ run_id: 'other', trigger: 'periodic', failure: null }),
      {
        home,
      },
    );

    const deleted = await pruneCheckpoints('run-1', { keepLast: 2, home });
    expect(deleted.sort()).toEqual(periodic.slice(0, 3).sort());
    const left = (await listCheckpoints({ home })).checkpoints.map((c) => c.path).sort();
    expect(left).toEqual([...periodic.slice(3), failure, other].sort());
    expect(await pruneCheckpoints('run-1', { keepLast: 2, home })).toEqual([]);
  });

  it('deletes the given files and ignores ones already gone', async () => {
    const home = await tempDir();
    const path = await saveCheckpoint(sampleCheckpoint(), { home });
    expect(await deleteCheckpoints([path, join(home, 'gone.json')])).toEqual([path]);
    await expect(stat(path)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
