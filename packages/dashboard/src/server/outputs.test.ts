import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConductorEvent } from '@conductor/events';
import { afterEach, describe, expect, it } from 'vitest';
import { createDashboard, type Dashboard, memoryStore } from '../index.js';
import { tempDir, WORKFLOW_STARTED } from './test-helpers.js';

const TOKEN = 'test-token-outputs';
const auth = { authorization: `Bearer ${TOKEN}` };
const opened: Dashboard[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((d) => d.close()));
});

/** A run whose script printed `stdout` (its head in the event, the whole in `outputs/<ref>`). */
function bigScriptRun(head: string, ref: string, path: string, bytes: number): ConductorEvent[] {
  const at = 1_732_170_000;
  return [
    {
      seq: 1,
      type: 'workflow_started',
      timestamp: at,
      data: { ...WORKFLOW_STARTED, agents: [{ name: 'big', type: 'script' }] },
    },
    { seq: 2, type: 'script_started', timestamp: at + 1, data: { agent_name: 'big', iteration: 1 } },
    {
      seq: 3,
      type: 'script_completed',
      timestamp: at + 2,
      data: {
        agent_name: 'big',
        elapsed: 1,
        stdout: head,
        stderr: '',
        exit_code: 0,
        spills: { stdout: { ref, path, bytes, head_chars: head.length, sha256: 'x' } },
      },
    },
  ];
}

async function setup() {
  const dir = await tempDir();
  const outputsDir = join(dir, 'runs', 'r1', 'outputs');
  await mkdir(outputsDir, { recursive: true });
  const whole = `${'a'.repeat(9000)}END`;
  const ref = 'g0-1-big.stdout';
  await writeFile(join(outputsDir, ref), whole);
  await writeFile(join(dir, 'secret.txt'), 'not for the dashboard');
  const d = createDashboard({
    history: memoryStore(bigScriptRun(whole.slice(0, 4500), ref, join(outputsDir, ref), whole.length)),
    token: TOKEN,
    uiDir: false,
    outputsDir,
  });
  opened.push(d);
  return { d, dir, outputsDir, whole, ref };
}

describe('GET /api/outputs/<ref>', () => {
  it('serves the whole stored output of this run, as text, with the token only', async () => {
    const { d, whole, ref } = await setup();
    const response = await d.app.request(`/api/outputs/${ref}`, { headers: auth });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(response.headers.get('content-length')).toBe(String(whole.length));
    expect(await response.text()).toBe(whole);
    const download = await d.app.request(`/api/outputs/${ref}?download=1`, { headers: auth });
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="${ref}.txt"`);
    await download.body?.cancel();
    expect((await d.app.request(`/api/outputs/${ref}`)).status).toBe(401);
  });

  it('serves nothing outside the outputs folder: no traversal, no hidden files, no symbolic links', async () => {
    const { d, dir, outputsDir } = await setup();
    await writeFile(join(outputsDir, '.hidden'), 'x');
    await symlink(join(dir, 'secret.txt'), join(outputsDir, 'link.stdout'));
    await mkdir(join(outputsDir, 'folder'));
    for (const ref of [
      '..%2F..%2F..%2Fsecret.txt',
      '.hidden',
      'a..b',
      '%2Fetc%2Fpasswd',
      '..%5Csecret.txt',
    ]) {
      const response = await d.app.request(`/api/outputs/${ref}`, { headers: auth });
      expect(response.status, ref).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
        'CONDUCTOR_BAD_REQUEST',
      );
    }
    for (const ref of ['link.stdout', 'folder', 'g0-9-missing.stdout']) {
      const response = await d.app.request(`/api/outputs/${ref}`, { headers: auth });
      expect(response.status, ref).toBe(404);
      expect(await response.text()).not.toContain('not for the dashboard');
    }
    // A path with `..` segments or separators is not this route at all.
    for (const path of ['/api/outputs/../secret.txt', '/api/outputs/..', '/api/outputs/a/b']) {
      const response = await d.app.request(path, { headers: auth });
      expect(response.status, path).toBe(404);
      expect(await response.text()).not.toContain('not for the dashboard');
    }
  });

  it('keeps /api/state small: the output head and the spill, not the whole', async () => {
    const { d, ref, whole } = await setup();
    await d.ready;
    const response = await d.app.request('/api/state', { headers: auth });
    const text = await response.text();
    expect(text.length).toBeLessThan(10_000);
    const attempt = JSON.parse(text).state.steps.big.attempts[0];
    expect(attempt.spills.stdout).toMatchObject({ ref, bytes: whole.length });
    expect(attempt.output_truncated).toBe(true);
    expect(attempt.last_seq).toBe(3);
  });

  it('answers 404 when the dashboard was given no outputs folder', async () => {
    const d = createDashboard({ history: memoryStore([]), token: TOKEN, uiDir: false });
    opened.push(d);
    const response = await d.app.request('/api/outputs/g0-1-big.stdout', { headers: auth });
    expect(response.status).toBe(404);
  });
});
