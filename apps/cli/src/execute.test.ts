import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadWorkflow, runWorkflow } from '@conductor/engine';
import { describe, expect, it } from 'vitest';
import { executeRun } from './execute.js';
import { capturedIo } from './test/main-in-process.js';

describe('executeRun', () => {
  it('when onStarted fails (a dashboard that cannot listen), stops the run with a checkpoint, then rethrows', async () => {
    const home = mkdtempSync(join(tmpdir(), 'conductor-execute-test-'));
    const path = join(home, 'slow.yaml');
    writeFileSync(
      path,
      'workflow:\n  name: slow\n  entry_point: pause\nagents:\n  - name: pause\n    type: wait\n    duration: 60s\n',
    );
    const workflow = await loadWorkflow(path);
    const { io } = capturedIo({ CONDUCTOR_HOME: home });
    const failure = new Error('port taken');
    let runId = '';
    await expect(
      executeRun({ ...io, argv: [], color: false }, ({ signal }) => runWorkflow(workflow, { home, signal }), {
        quiet: true,
        onStarted: (run) => {
          runId = run.runId;
          throw failure;
        },
      }),
    ).rejects.toBe(failure);
    const runDir = join(home, 'runs', runId);
    const types = readFileSync(join(runDir, 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { type: string }).type);
    expect(types.at(-1)).toBe('workflow_failed');
    expect(readdirSync(join(runDir, 'checkpoints'))).toEqual([expect.stringMatching(/-interrupt\.json$/)]);
    expect(JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'))).toMatchObject({
      status: 'interrupted',
    });
  });
});
