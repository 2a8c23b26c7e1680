import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startCli, tempDir } from './support/cli.js';

// What only the `conductor` process shows: the bin's exit code, signals, a detached background run.
// Parsing, output and exit codes of every command are tested in-process in apps/cli.

describe('the conductor bin', () => {
  it('prints its version and exits with the code of the command', async () => {
    const home = tempDir();
    const version = await runCli(['--version'], home);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const valid = await runCli(['validate', 'examples/hello.yaml'], home);
    expect(valid.code).toBe(0);
    expect(valid.stdout).toMatch(/valid workflow "hello"/);
    const unknown = await runCli(['rnu', 'x.yaml'], home);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'rnu'/);
  });

  it('exits 130 on Ctrl-C (SIGINT) during a wait step', async () => {
    const home = tempDir();
    const workflow = join(home, 'slow.yaml');
    writeFileSync(
      workflow,
      'workflow:\n  name: slow\n  entry_point: pause\nagents:\n  - name: pause\n    type: wait\n    duration: 60s\n',
    );
    const cli = startCli(['run', workflow], home);
    await cli.waitFor(/▸ pause \(wait\)/);
    cli.child.kill('SIGINT');
    const result = await cli.done;
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(/interrupted run/);
  });

  it('--web-bg shows why the background run could not start, not only where its output went', async () => {
    const home = tempDir();
    const workflow = join(home, 'typed.yaml');
    writeFileSync(
      workflow,
      'workflow:\n  name: t\n  entry_point: a\n  input:\n    n: { type: integer }\nagents:\n  - name: a\n    type: set\n    value: 1\n',
    );
    const result = await runCli(['run', workflow, '--input', 'n=abc', '--web-bg'], home);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/input "n" must be an integer, got "abc"/);
    expect(result.stderr).toMatch(/the background run exited \(code 2\)/);
  });
});
