import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchChromium, repoRoot, screenshotPath } from './support/chromium.js';
import { type CliProcess, runCli, startCli, tempDir } from './support/cli.js';
import { runStatus } from './support/page.js';

// `conductor dashboard` in a real browser: runs in every status, written by other processes, one of
// which finishes while the page is open; a run opened in the run view; a failed run resumed from the
// page, its progress live until it completes.

const QUICK = `
workflow:
  name: quick
  entry_point: collect
  runtime:
    provider: mock
agents:
  - name: collect
    type: script
    command: node
    args: ["-e", "console.log(JSON.stringify({ items: 3 }))"]
    routes:
      - to: write
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

// Waits at \`hold\` until the file RELEASE_FILE exists: the test decides when such a run may end.
const HOLD = `
workflow:
  name: held
  entry_point: first
  runtime:
    provider: mock
agents:
  - name: first
    type: set
    value: "ready"
    routes:
      - to: hold
  - name: hold
    type: script
    command: node
    args:
      - "-e"
      - "const fs = require('node:fs'); const f = process.argv[1]; (function wait() { fs.existsSync(f) ? console.log(JSON.stringify({ released: true })) : setTimeout(wait, 25); })()"
      - "\${RELEASE_FILE}"
`;

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
      - { label: "Ship", value: "yes", route: ship }
      - { label: "Drop", value: "no", route: $end }
  - name: ship
    type: set
    value: "shipped"
`;

const hasChromium = chromiumPath() !== null;
if (!hasChromium && process.env.CI)
  throw new Error('CI needs Chromium for the browser test (scripts/ensure-chromium.mjs)');

/** The run id a run prints first: `▶ held  run <id>`. */
async function runIdOf(cli: CliProcess): Promise<string> {
  const [, id] = await cli.waitFor(/run ([\w-]+)\n/);
  return id as string;
}

describe.skipIf(!hasChromium)('conductor dashboard: the run list in a real browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('lists runs in every status live, opens a run, and resumes a failed run from the page', async () => {
    const home = tempDir();
    const quick = join(home, 'quick.yaml');
    const held = join(home, 'held.yaml');
    const failing = join(home, 'fail-review.yaml');
    writeFileSync(quick, QUICK);
    writeFileSync(held, HOLD);
    writeFileSync(failing, FAIL_REVIEW);
    const release = (name: string) => join(home, `release-${name}`);
    const processes: CliProcess[] = [];
    const start = (args: string[], releaseName: string) => {
      const cli = startCli(args, home, { RELEASE_FILE: release(releaseName) });
      processes.push(cli);
      return cli;
    };

    try {
      // Completed, and failed at review.
      expect((await runCli(['run', quick], home)).code).toBe(0);
      const failed = await runCli(['run', quick, '--mock-responses', failing], home);
      expect(failed.code).toBe(1);
      const failedId = /failed run ([\w-]+) at step "review"/.exec(failed.stderr)?.[1] as string;
      // Stopped at hold with Ctrl-C.
      const stopped = start(['run', held], 'stopped');
      const stoppedId = await runIdOf(stopped);
      await stopped.waitFor(/▸ hold/);
      stopped.child.kill('SIGINT');
      expect((await stopped.done).code).toBe(130);
      // Killed at hold: its log never ends.
      const killed = start(['run', held], 'killed');
      const killedId = await runIdOf(killed);
      await killed.waitFor(/▸ hold/);
      killed.child.kill('SIGKILL');
      await killed.done;
      // Running in another process, at hold until the test releases it.
      const running = start(['run', held], 'running');
      const runningId = await runIdOf(running);
      await running.waitFor(/▸ hold/);

      const server = start(['dashboard', '--port', '0'], 'server');
      const [, url] = await server.waitFor(/(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/);
      const page = await browser.newPage({ viewport: { width: 1440, height: 720 } });
      await page.goto(url as string);
      const row = (id: string) => page.locator(`tr[data-run-id="${id}"]`);
      const statusOf = (id: string) => row(id).locator('.run-status');

      await expect.poll(() => page.locator('tbody tr').count(), { timeout: 15_000 }).toBe(5);
      await expect.poll(() => statusOf(failedId).textContent()).toBe('Failed');
      expect(await statusOf(stoppedId).textContent()).toBe('Stopped');
      expect(await statusOf(killedId).textContent()).toBe('Died');
      expect(await statusOf(runningId).textContent()).toBe('Running');
      expect(await page.locator('tr[data-status="completed"]').count()).toBe(1);
      expect(await row(failedId).locator('[data-field="step"]').textContent()).toBe('failed at review');
      expect(await row(runningId).locator('[data-field="step"]').textContent()).toBe('hold');
      expect(await row(killedId).locator('[data-field="step"]').textContent()).toBe('died at hold');
      // What can be done to each: resume the failed, stopped and died ones; stop the running one.
      for (const id of [failedId, stoppedId, killedId]) {
        expect(await row(id).getByRole('button', { name: 'Resume' }).count()).toBe(1);
      }
      expect(await row(runningId).getByRole('button', { name: 'Stop' }).count()).toBe(1);
      expect(await row(runningId).getByRole('button', { name: 'Resume' }).count()).toBe(0);
      expect(await row(runningId).getByRole('button', { name: 'Delete' }).count()).toBe(0);

      // Filter and search.
      await page.getByLabel('Workflow').selectOption('quick');
      await expect.poll(() => page.locator('tbody tr').count()).toBe(2);
      await page.getByLabel('Workflow').selectOption('all');
      await page.getByLabel('Status').selectOption('running');
      await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
      await page.getByLabel('Status').selectOption('all');
      await page.getByLabel('Search runs').fill(killedId);
      await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
      await page.getByLabel('Search runs').fill('');
      await expect.poll(() => page.locator('tbody tr').count()).toBe(5);
      mkdirSync(join(repoRoot, 'artifacts'), { recursive: true });
      await page.screenshot({ path: join(repoRoot, 'artifacts', 'run-list.png') });
      copyFileSync(join(repoRoot, 'artifacts', 'run-list.png'), screenshotPath('run-list'));

      // The run written by another process finishes while the page is open.
      writeFileSync(release('running'), 'go');
      expect((await running.done).code).toBe(0);
      await expect.poll(() => statusOf(runningId).textContent(), { timeout: 10_000 }).toBe('Completed');

      // Opening a run: the run view, at /runs/<id>/.
      await row(failedId).getByRole('link', { name: failedId }).click();
      await page.waitForURL(new RegExp(`/runs/${failedId}/$`));
      await runStatus(page, 'Failed').waitFor({ timeout: 10_000 });
      // Back to the list from the run view.
      await page.getByRole('link', { name: '← All runs' }).click();
      await expect.poll(() => statusOf(failedId).textContent(), { timeout: 10_000 }).toBe('Failed');

      // Resuming the failed run from the page: a process of its own owns it, and it completes.
      await row(failedId).getByRole('button', { name: 'Resume' }).click();
      await expect
        .poll(() => page.getByRole('status').textContent(), { timeout: 15_000 })
        .toMatch(/resuming run/);
      await expect.poll(() => statusOf(failedId).textContent(), { timeout: 20_000 }).toBe('Completed');
      expect(await row(failedId).locator('[data-field="resumes"]').textContent()).toBe('1');
      await page.screenshot({ path: screenshotPath('run-list-resumed') });

      // Delete, with confirmation.
      await row(stoppedId).getByRole('button', { name: 'Delete' }).click();
      await row(stoppedId).getByRole('button', { name: 'Delete' }).click();
      await expect.poll(() => row(stoppedId).count(), { timeout: 10_000 }).toBe(0);

      // The resumed run's own page shows the whole history: the failure, the resume, the completion.
      await page.goto(`${new URL(url as string).origin}/runs/${failedId}/`);
      await runStatus(page, 'Completed').waitFor({ timeout: 10_000 });
      await page.getByRole('region', { name: 'Resumed run' }).waitFor();
      await page.close();
    } finally {
      for (const name of ['stopped', 'killed', 'running']) writeFileSync(release(name), 'go');
      for (const cli of processes) if (cli.child.exitCode === null) cli.child.kill('SIGINT');
    }
  });

  it('stops a running run and answers a waiting gate from the page', async () => {
    const home = tempDir();
    const held = join(home, 'held.yaml');
    const gated = join(home, 'gated.yaml');
    writeFileSync(held, HOLD);
    writeFileSync(gated, GATED);
    const releaseFile = join(home, 'release');
    const processes: CliProcess[] = [];
    try {
      const running = startCli(['run', held], home, { RELEASE_FILE: releaseFile });
      processes.push(running);
      const runningId = await runIdOf(running);
      await running.waitFor(/▸ hold/);
      // A gate waits in a background run: its process serves a dashboard the answer goes through.
      const bg = await runCli(['run', gated, '--web-bg'], home, { CONDUCTOR_WEB_LINGER: '0' });
      expect(bg.code).toBe(0);
      const gatedId = /run ([\w-]+) continues in the background/.exec(bg.stderr)?.[1] as string;

      const server = startCli(['dashboard'], home);
      processes.push(server);
      const [, url] = await server.waitFor(/(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/);
      const page = await browser.newPage({ viewport: { width: 1440, height: 600 } });
      await page.goto(url as string);
      const row = (id: string) => page.locator(`tr[data-run-id="${id}"]`);
      const statusOf = (id: string) => row(id).locator('.run-status');

      await expect
        .poll(() => row(gatedId).locator('[data-field="step"]').textContent(), { timeout: 15_000 })
        .toBe('waiting at approve');
      expect(await statusOf(gatedId).textContent()).toBe('Waiting');
      await page.screenshot({ path: screenshotPath('run-list-gate') });
      await row(gatedId).getByLabel('Answer approve').selectOption('yes');
      await row(gatedId).getByRole('button', { name: 'Send' }).click();
      await expect.poll(() => statusOf(gatedId).textContent(), { timeout: 15_000 }).toBe('Completed');

      await expect.poll(() => statusOf(runningId).textContent(), { timeout: 10_000 }).toBe('Running');
      await row(runningId).getByRole('button', { name: 'Stop' }).click();
      await expect.poll(() => statusOf(runningId).textContent(), { timeout: 15_000 }).toBe('Stopped');
      expect((await running.done).code).toBe(130);
      expect(await row(runningId).getByRole('button', { name: 'Resume' }).count()).toBe(1);
      await page.close();
    } finally {
      writeFileSync(releaseFile, 'go');
      for (const cli of processes) if (cli.child.exitCode === null) cli.child.kill('SIGINT');
    }
  });
});
