import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CliResult, runCli, tempDir } from './support/cli.js';

// `conductor runs`, `gate`, `delete`, and `stop` on a finished `--web-bg` run, through the built binary;
// and the last line of a resumed run: the whole run's active and wall time.

const QUICK = `
workflow:
  name: quick
  entry_point: write
  runtime:
    provider: mock
agents:
  - name: write
    prompt: "Write notes."
    output:
      text:
        type: string
    routes:
      - to: review
  - name: review
    prompt: "Review: {{ write.output.text }}"
    output:
      approved:
        type: boolean
`;
const FAIL_REVIEW = 'review:\n  - error: "model overloaded (scripted)"\n';
const GATED = `
workflow:
  name: gated
  entry_point: approve
  runtime:
    provider: mock
agents:
  - name: approve
    type: human_gate
    prompt: "Ship it?"
    options:
      - { label: "Yes", value: "yes", route: ship }
      - { label: "No", value: "no", route: $end }
  - name: ship
    type: set
    value: "shipped"
`;

interface Row {
  run_id: string;
  workflow: string;
  status: string;
  active_seconds: number;
  wall_seconds: number;
  resumes: number;
  step: string | null;
  gate: string | null;
  resumable: boolean;
  why: string;
}

async function rows(home: string, ...args: string[]): Promise<Row[]> {
  const result = await runCli(['runs', '--json', ...args], home);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Row[];
}

function setup() {
  const home = tempDir();
  const quick = join(home, 'quick.yaml');
  const failing = join(home, 'fail.yaml');
  const gated = join(home, 'gated.yaml');
  writeFileSync(quick, QUICK);
  writeFileSync(failing, FAIL_REVIEW);
  writeFileSync(gated, GATED);
  return { home, quick, failing, gated };
}

const idOf = (result: CliResult, pattern: RegExp) => pattern.exec(result.stderr)?.[1] as string;

describe('conductor runs, gate, delete and stop', () => {
  it('a resumed run ends with its whole active and wall time, the numbers `conductor runs` shows', async () => {
    const { home, quick, failing } = setup();
    const failed = await runCli(['run', quick, '--mock-responses', failing], home);
    expect(failed.code).toBe(1);
    const runId = idOf(failed, /failed run ([\w-]+) at step "review"/);
    expect(failed.stderr).toMatch(/Run time: [\d.]+s active time, [\d.]+s wall time/);

    const [before] = await rows(home);
    expect(before).toMatchObject({ run_id: runId, status: 'failed', step: 'review', resumable: true });
    expect(before?.why).toBe('failed at step "review": resume runs that step again');
    const table = await runCli(['runs'], home);
    expect(table.stdout).toMatch(
      /RUN\s+WORKFLOW\s+STATUS\s+STARTED\s+ACTIVE\s+WALL\s+RESUMES\s+STEP\s+COST\s+RESUMABLE/,
    );
    expect(table.stdout).toContain('yes: failed at step "review"');

    const resumed = await runCli(['resume', '--run', runId], home);
    expect(resumed.code).toBe(0);
    const [, active, wall] = /completed run [\w-]+ in ([\d.]+)s active time, ([\d.]+)s wall time/.exec(
      resumed.stderr,
    ) ?? ['', '', ''];
    const [after] = await rows(home);
    expect(after).toMatchObject({ status: 'completed', resumes: 1, resumable: false, why: 'completed' });
    // The same derivation: the CLI's line is the list's numbers, rounded.
    expect(active).toBe(after?.active_seconds.toFixed(2));
    expect(wall).toBe(after?.wall_seconds.toFixed(2));
    // The time between the failure and the resume counts in wall time only.
    expect(after?.wall_seconds).toBeGreaterThan(after?.active_seconds as number);
  });

  it('filters by status and workflow; deletes a finished run only when confirmed', async () => {
    const { home, quick, failing, gated } = setup();
    expect((await runCli(['run', quick], home)).code).toBe(0);
    expect((await runCli(['run', quick, '--mock-responses', failing], home)).code).toBe(1);
    expect((await runCli(['run', gated, '--skip-gates'], home)).code).toBe(0);
    expect((await rows(home)).length).toBe(3);
    expect((await rows(home, '--status', 'failed')).map((r) => r.status)).toEqual(['failed']);
    expect((await rows(home, '--workflow', 'gated')).map((r) => r.workflow)).toEqual(['gated']);
    const bad = await runCli(['runs', '--status', 'nope'], home);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--status "nope" is not a status/);

    const [gatedRun] = await rows(home, '--workflow', 'gated');
    const unconfirmed = await runCli(['delete', gatedRun?.run_id as string], home);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toMatch(/needs a confirmation: add --yes/);
    const deleted = await runCli(['delete', gatedRun?.run_id as string, '--yes'], home);
    expect(deleted.code).toBe(0);
    expect(deleted.stderr).toMatch(/deleted run/);
    expect(existsSync(join(home, 'runs', gatedRun?.run_id as string))).toBe(false);
    expect((await rows(home)).length).toBe(2);
  });

  it('dashboard --port on a port in use says so and exits 2', async () => {
    const { home } = setup();
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    try {
      const port = (busy.address() as AddressInfo).port;
      const result = await runCli(['dashboard', '--port', String(port)], home);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`--port ${port}: the port is already in use`));
      expect((await runCli(['dashboard', '--port', 'x'], home)).stderr).toMatch(
        /--port "x" is not a port number/,
      );
    } finally {
      busy.close();
    }
  });

  it("answers a --web-bg run's gate from the terminal, then `stop` closes its lingering dashboard", async () => {
    const { home, gated } = setup();
    const started = await runCli(['run', gated, '--web-bg'], home, { CONDUCTOR_WEB_LINGER: '600' });
    expect(started.code).toBe(0);
    expect(started.stderr).toMatch(/dashboard stays up 600s after the run ends/);
    const url = started.stdout.trim();
    const runId = idOf(started, /run ([\w-]+) continues in the background/);
    await expect.poll(async () => (await rows(home))[0]?.gate, { timeout: 20_000 }).toBe('approve');
    expect((await runCli(['gate', runId, 'maybe'], home)).stderr).toMatch(/not an option of gate/);
    const answered = await runCli(['gate', runId, 'yes'], home);
    expect(answered.code, answered.stderr).toBe(0);
    expect(answered.stderr).toMatch(/answered "yes" at approve/);
    await expect.poll(async () => (await rows(home))[0]?.status, { timeout: 20_000 }).toBe('completed');
    // The run ended; its process still serves the dashboard until stopped.
    expect((await fetch(url)).status).toBe(200);
    const stopped = await runCli(['stop', runId], home);
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).toMatch(/had ended \(completed\); closed its dashboard/);
    await expect
      .poll(
        async () =>
          fetch(url).then(
            () => 'up',
            () => 'closed',
          ),
        { timeout: 20_000 },
      )
      .toBe('closed');
  });
});
