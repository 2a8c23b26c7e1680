import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hashWorkflowSource, loadCheckpoint, migrateCheckpoint, saveCheckpoint } from './index.js';
import { sampleCheckpoint, tempDir } from './test-helpers.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** Asserts that loading `path` rejects with `code`, and that the file is byte-for-byte unchanged. */
async function expectRejectedUntouched(path: string, code: string) {
  const before = await readFile(path);
  const error = await loadCheckpoint(path).then(
    () => null,
    (e: unknown) => e as Error & Record<string, unknown>,
  );
  expect(error?.code).toBe(code);
  expect(await readFile(path)).toEqual(before);
  return error as Error & Record<string, unknown>;
}

describe('original conductor (version 1) checkpoints', () => {
  it('migrates a failure checkpoint to version 2', async () => {
    const checkpoint = await loadCheckpoint(fixture('v1-failure.json'));
    expect(checkpoint).toMatchObject({
      version: 2,
      migrated_from: 1,
      generation: 0,
      last_seq: 0,
      workflow_path: '/home/dev/projects/acme/workflows/code-review.yaml',
      workflow_hash: hashWorkflowSource('test'),
      created_at: '2024-11-21T06:35:12.482Z',
      trigger: 'failure',
      failure: { error_type: 'ProviderError', agent_name: 'reviewer' },
      inputs: { repo: 'acme/payments', pr_number: 1287 },
      current_step: 'reviewer',
      limits: { max_iterations: 10, timeout_seconds: 1800 },
      event_log_path: '/tmp/conductor/conductor-code-review-20241121-063512.events.jsonl',
    });
    expect(checkpoint.context.step_outputs.planner).toEqual({
      plan: ['read the diff', 'check error handling', 'check tests'],
      risk: 'medium',
    });
    expect(checkpoint.context.current_iteration).toBe(5);
    expect(checkpoint.context.execution_history).toEqual([
      { step: 'planner', iteration: 1 },
      { step: 'coder', iteration: 1, status: 'completed', elapsed: 41.7 },
      { step: 'reviewer', iteration: 1 },
      { step: 'coder', iteration: 2 },
      { step: 'reviewer', iteration: 2, status: 'failed' },
    ]);
    expect(checkpoint).not.toHaveProperty('copilot_session_ids');
    expect(checkpoint).not.toHaveProperty('current_agent');
    // No run id in the original: one is derived, the same every time the file is read.
    expect(checkpoint.run_id).toMatch(/^legacy-[0-9a-f]{16}$/);
    expect((await loadCheckpoint(fixture('v1-failure.json'))).run_id).toBe(checkpoint.run_id);
  });

  it('migrates an interrupt checkpoint with an ISO date and a run id, and without a log path', async () => {
    const checkpoint = await loadCheckpoint(fixture('v1-interrupt.json'));
    expect(checkpoint).toMatchObject({
      run_id: 'nightly-20241121-0640',
      created_at: '2024-11-21T06:40:03.118Z',
      trigger: 'interrupt',
      failure: null,
      event_log_path: null,
      limits: { max_iterations: 25, timeout_seconds: null },
    });
    expect(checkpoint.context.execution_history).toEqual([{ step: 'collector', iteration: 1 }]);
  });

  it('saves a migrated checkpoint as version 2 that reads back the same', async () => {
    const migrated = await loadCheckpoint(fixture('v1-failure.json'));
    const path = await saveCheckpoint(migrated, join(await tempDir(), 'cp.json'));
    expect(JSON.parse(await readFile(path, 'utf8')).version).toBe(2);
    expect(await loadCheckpoint(path)).toEqual(migrated);
  });

  it('names a v1 history entry without an agent by its index', async () => {
    const raw = JSON.parse(await readFile(fixture('v1-interrupt.json'), 'utf8'));
    raw.context.execution_history = ['collector', { status: 'ok' }];
    expect(() => migrateCheckpoint(raw, 'x.json')).toThrow(
      expect.objectContaining({
        code: 'CONDUCTOR_CHECKPOINT_INVALID',
        issues: [expect.objectContaining({ field: 'context.execution_history.1' })],
      }),
    );
  });

  it('reports a v1 trigger this conductor does not know', async () => {
    const raw = JSON.parse(await readFile(fixture('v1-interrupt.json'), 'utf8'));
    raw.trigger = 'cosmic_ray';
    expect(() => migrateCheckpoint(raw, 'x.json')).toThrow(/trigger: expected .*"periodic"/);
  });
});

describe('loadCheckpoint errors', () => {
  it('reports a missing file', async () => {
    const error = await loadCheckpoint(join(await tempDir(), 'nope.json')).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CONDUCTOR_CHECKPOINT_NOT_FOUND' });
  });

  it('reports JSON syntax errors with line and column, leaving the file alone', async () => {
    const path = join(await tempDir(), 'cp.json');
    await writeFile(path, '{\n  "version": 2,\n  "run_id": "a"\n  "generation": 0\n}\n');
    const error = await expectRejectedUntouched(path, 'CONDUCTOR_CHECKPOINT_CORRUPT');
    expect([error.line, error.column]).toEqual([4, 3]);
    expect(error.message).toContain(`${path}:4:3`);
  });

  it('reports a file cut short, and an empty file, as corrupt', async () => {
    const dir = await tempDir();
    const cut = join(dir, 'cut.json');
    const full = JSON.stringify(sampleCheckpoint(), null, 2);
    await writeFile(cut, full.slice(0, 200));
    const error = await expectRejectedUntouched(cut, 'CONDUCTOR_CHECKPOINT_CORRUPT');
    expect(error.message).toMatch(/cut\.json:\d+:\d+ is not valid JSON/);
    const empty = join(dir, 'empty.json');
    await writeFile(empty, '');
    await expectRejectedUntouched(empty, 'CONDUCTOR_CHECKPOINT_CORRUPT');
  });

  it('names the field and the expected type of an invalid checkpoint', async () => {
    const path = join(await tempDir(), 'cp.json');
    const bad = sampleCheckpoint();
    await writeFile(path, JSON.stringify({ ...bad, context: { ...bad.context, step_outputs: ['x'] } }));
    const error = await expectRejectedUntouched(path, 'CONDUCTOR_CHECKPOINT_INVALID');
    expect(error).toMatchObject({
      issues: [{ field: 'context.step_outputs', expected: 'Object', received: 'Array' }],
    });
    expect(error.message).toContain('context.step_outputs: expected Object, got Array');
    expect(error.message).toContain(path);
  });

  it('reports every bad field, with its path', async () => {
    const raw = { ...sampleCheckpoint(), workflow_path: 'relative.yaml', workflow_hash: 'abc', last_seq: -1 };
    const error = (() => {
      try {
        migrateCheckpoint(raw);
      } catch (e) {
        return e as { issues: { field: string }[] };
      }
    })();
    expect(error?.issues.map((i) => i.field)).toEqual(['workflow_path', 'workflow_hash', 'last_seq']);
  });

  it('refuses an unknown version and says which versions it reads', async () => {
    const path = join(await tempDir(), 'cp.json');
    await writeFile(path, JSON.stringify({ ...sampleCheckpoint(), version: 7 }));
    const error = await expectRejectedUntouched(path, 'CONDUCTOR_CHECKPOINT_VERSION');
    expect(error.message).toContain(
      `checkpoint ${path} has version 7; this conductor reads versions 1 and 2`,
    );
  });

  it('refuses a checkpoint with no version as invalid', async () => {
    const { version: _, ...raw } = sampleCheckpoint();
    expect(() => migrateCheckpoint(raw)).toThrow(
      expect.objectContaining({ code: 'CONDUCTOR_CHECKPOINT_INVALID' }),
    );
    expect(() => migrateCheckpoint([])).toThrow(
      expect.objectContaining({ code: 'CONDUCTOR_CHECKPOINT_INVALID' }),
    );
  });

  it("reads the original's empty run_id and event_log_path: an id of its own per file, no log", async () => {
    const dir = await tempDir();
    const original = JSON.parse(await readFile(fixture('v1-failure.json'), 'utf8'));
    const first = join(dir, 'review-20241121-063512-1a2b3c4d.json');
    const second = join(dir, 'review-20241121-071203-5e6f7a8b.json');
    await writeFile(first, JSON.stringify({ ...original, run_id: '', event_log_path: '' }));
    await writeFile(
      second,
      JSON.stringify({ ...original, run_id: '', event_log_path: '', created_at: 1732173123.5 }),
    );
    const a = await loadCheckpoint(first);
    const b = await loadCheckpoint(second);
    expect(a.event_log_path).toBeNull();
    expect(a.run_id).toMatch(/^legacy-[0-9a-f]{16}$/);
    expect(b.run_id).toMatch(/^legacy-[0-9a-f]{16}$/);
    // Two runs of the original, two ids; the same file read again, the same id.
    expect(b.run_id).not.toBe(a.run_id);
    expect((await loadCheckpoint(first)).run_id).toBe(a.run_id);
  });

  it('keeps fields a newer conductor added (forward compatible)', async () => {
    const path = join(await tempDir(), 'cp.json');
    await copyFile(fixture('v1-interrupt.json'), path);
    const raw = { ...sampleCheckpoint(), future_field: { a: 1 } };
    expect(migrateCheckpoint(raw)).toMatchObject({ future_field: { a: 1 } });
  });
});

describe('hashWorkflowSource', () => {
  it('is the sha256 hex digest of the content', () => {
    expect(hashWorkflowSource('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hashWorkflowSource('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});
