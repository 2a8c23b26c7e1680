import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchChromium, screenshotPath } from './support/chromium.js';
import { runCli, startCli, tempDir } from './support/cli.js';
import { clock, runStatus, secondsUnder, shownUnder, step } from './support/page.js';

// The story of the seed issue, in a real browser: a run completes three steps and fails at the fourth;
// `conductor resume --web` shows those steps with outputs and timestamps, marks the resume, and the
// resumed steps arrive live. The resumed `hold` step waits for a file the test creates, so the test
// controls when the run may finish without sleeping.
const WORKFLOW = `
workflow:
  name: e2e-story
  entry_point: collect
  runtime:
    provider: mock
agents:
  - name: collect
    type: script
    command: node
    args: ["-e", "console.log(JSON.stringify({ items: 3 }))"]
    routes:
      - to: plan
  - name: plan
    type: set
    values:
      count: "{{ collect.output.items }}"
    routes:
      - to: write
  - name: write
    prompt: "Write {{ plan.output.count }} release notes."
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
    routes:
      - to: hold
  - name: hold
    type: script
    command: node
    args:
      - "-e"
      - "const fs = require('node:fs'); const f = process.argv[1]; (function wait() { fs.existsSync(f) ? console.log(JSON.stringify({ released: true })) : setTimeout(wait, 25); })()"
      - "\${RELEASE_FILE}"
    routes:
      - to: publish
  - name: publish
    type: set
    value: "{{ write.output.text }}"
`;
const FAIL_REVIEW = 'review:\n  - error: "model overloaded (scripted)"\n';

const hasChromium = chromiumPath() !== null;
if (!hasChromium && process.env.CI)
  throw new Error('CI needs Chromium for the browser test (scripts/ensure-chromium.mjs)');

describe.skipIf(!hasChromium)('dashboard in a real browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  function setup() {
    const home = tempDir();
    const workflow = join(home, 'story.yaml');
    const failing = join(home, 'fail-review.yaml');
    writeFileSync(workflow, WORKFLOW);
    writeFileSync(failing, FAIL_REVIEW);
    const env = { RELEASE_FILE: join(home, 'release') };
    return { home, workflow, failing, env, release: () => writeFileSync(env.RELEASE_FILE, 'go') };
  }

  async function expectEarlierSteps(page: Page) {
    for (const name of ['collect', 'plan', 'write']) await step(page, name, 'Completed').waitFor();
    await step(page, 'write').click();
    const details = page.getByRole('region', { name: 'Details of write' });
    await expect
      .poll(() => details.getByRole('region', { name: 'Output of write' }).textContent())
      .toContain('write: text (mock)');
    const started = await secondsUnder(details, 'Started');
    const finished = await secondsUnder(details, 'Finished');
    expect(started).toBeGreaterThan(1_700_000_000);
    expect(finished).toBeGreaterThanOrEqual(started);
  }

  /** The divider the activity stream draws where the first resume began. */
  const resumeDivider = (page: Page) =>
    page.getByRole('log', { name: 'Activity stream' }).getByText(/^Resumed — resume 1, at /);

  it('resume --web shows the steps before the failure, the resume, and the rest live; a reload shows the same', async () => {
    const { home, workflow, failing, env, release } = setup();
    const first = await runCli(['run', workflow, '--mock-responses', failing], home, env);
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/failed run [\w-]+ at step "review"/);

    const resumed = startCli(['resume', workflow, '--web-port', '0'], home, env);
    try {
      const [, url] = await resumed.waitFor(/dashboard: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/);
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      await page.goto(url as string);

      const banner = page.getByRole('region', { name: 'Resumed run' });
      await banner.waitFor();
      expect(await banner.textContent()).toMatch(/Resumed from checkpoint at .*\(resume 1\)/);
      await expectEarlierSteps(page);
      // The failed attempt is history, not the end: review ran again and the run waits at `hold`.
      await step(page, 'review', 'Completed, 2 attempts').waitFor();
      await step(page, 'hold', 'Running').waitFor();
      await resumeDivider(page).first().waitFor();
      expect(await runStatus(page).textContent()).toBe('Running');
      await page.screenshot({ path: screenshotPath('resumed-history'), fullPage: true });

      await page.reload();
      await page.getByRole('region', { name: 'Resumed run' }).waitFor();
      await expectEarlierSteps(page);
      await step(page, 'hold', 'Running').waitFor();
      await page.screenshot({ path: screenshotPath('after-reload'), fullPage: true });

      release();
      await step(page, 'publish', 'Completed').waitFor();
      await runStatus(page, 'Completed').waitFor();
      await step(page, 'hold', 'Completed').waitFor();
      await page.screenshot({ path: screenshotPath('resumed-completed'), fullPage: true });
      await page.close();
    } finally {
      resumed.child.kill('SIGINT');
    }
    const result = await resumed.done;
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toBe('write: text (mock)');
  });

  it('a tab left open on a failed run follows its resume by another process to completion, without a reload', async () => {
    const { home, workflow, failing, env, release } = setup();
    // The first process fails at review and stays up serving its dashboard.
    const first = startCli(['run', workflow, '--mock-responses', failing, '--web-port', '0'], home, env);
    let resumed: ReturnType<typeof startCli> | null = null;
    try {
      const [, url] = await first.waitFor(/dashboard: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/);
      const [, runId] = await first.waitFor(/failed run ([\w-]+) at step "review"/);
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      await page.goto(url as string);
      await runStatus(page, 'Failed').waitFor();
      // The run ended in this process: it no longer owns it.
      await page.getByText('read-only', { exact: true }).waitFor();

      // Another process (no dashboard of its own) resumes the run; it waits at `hold`.
      resumed = startCli(['resume', '--run', runId as string], home, env);
      await step(page, 'hold', 'Running').waitFor({ timeout: 15_000 });
      await runStatus(page, 'Running').waitFor();
      const banner = page.getByRole('region', { name: 'Run by another process' });
      await expect
        .poll(() => banner.textContent(), { timeout: 10_000 })
        .toMatch(
          new RegExp(`Running in process ${resumed.child.pid} since [^;]+; this dashboard is read-only`),
        );
      expect(await page.getByRole('button', { name: 'Stop' }).count()).toBe(0);
      await page.screenshot({ path: screenshotPath('open-tab-resumed-elsewhere'), fullPage: true });

      release();
      const result = await resumed.done;
      expect(result.code).toBe(0);
      // The tab opened on the first process shows the completion within seconds, no reload.
      await runStatus(page, 'Completed').waitFor({ timeout: 10_000 });
      await step(page, 'publish', 'Completed').waitFor();
      await expect.poll(() => banner.count(), { timeout: 10_000 }).toBe(0);
      expect(await page.getByRole('button', { name: 'Stop' }).count()).toBe(0);
      expect(await runStatus(page).textContent()).toBe('Completed');
      // The clock stopped at the run's end: its elapsed time is the log's, not the wall clock's.
      const token = new URL(url as string).searchParams.get('token');
      const { state } = (await (
        await fetch(new URL('/api/state', url as string), { headers: { authorization: `Bearer ${token}` } })
      ).json()) as { state: { run: { started_at: number; finished_at: number } } };
      expect(await shownUnder(page, 'Elapsed').textContent()).toBe(
        clock(state.run.finished_at - state.run.started_at),
      );
      await page.screenshot({ path: screenshotPath('open-tab-completed-elsewhere'), fullPage: true });
      await page.close();
    } finally {
      resumed?.child.kill('SIGINT');
      first.child.kill('SIGINT');
    }
    expect((await first.done).code).toBe(1);
  });

  it('a tab left open shows a run whose resuming process was killed as stalled, with how to continue it', async () => {
    const { home, workflow, failing, env } = setup();
    const first = startCli(['run', workflow, '--mock-responses', failing, '--web-port', '0'], home, env);
    let resumed: ReturnType<typeof startCli> | null = null;
    try {
      const [, url] = await first.waitFor(/dashboard: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/);
      const [, runId] = await first.waitFor(/failed run ([\w-]+) at step "review"/);
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      await page.goto(url as string);
      await runStatus(page, 'Failed').waitFor();

      resumed = startCli(['resume', '--run', runId as string], home, env);
      await step(page, 'hold', 'Running').waitFor({ timeout: 15_000 });
      resumed.child.kill('SIGKILL');
      await resumed.done;

      // The log still says running; nobody runs it: stalled, its clock stopped at its last event.
      await runStatus(page, 'Stalled').waitFor({ timeout: 10_000 });
      const banner = page.getByRole('region', { name: 'Run not running' });
      expect(await banner.textContent()).toContain('No process is running this run');
      expect(await banner.getByRole('code').textContent()).toBe(`conductor resume --run ${runId}`);
      expect(await page.getByRole('button', { name: 'Stop' }).count()).toBe(0);
      const token = new URL(url as string).searchParams.get('token');
      const { state } = (await (
        await fetch(new URL('/api/state', url as string), { headers: { authorization: `Bearer ${token}` } })
      ).json()) as { state: { run: { status: string; started_at: number }; last_event_at: number } };
      expect(state.run.status).toBe('running');
      expect(await shownUnder(page, 'Elapsed').textContent()).toBe(
        clock(state.last_event_at - state.run.started_at),
      );
      await page.screenshot({ path: screenshotPath('open-tab-stalled'), fullPage: true });
      await page.close();
    } finally {
      resumed?.child.kill('SIGKILL');
      first.child.kill('SIGINT');
    }
    expect((await first.done).code).toBe(1);
  });

  it('after the event log was deleted, the resumed dashboard shows the history rebuilt from the checkpoint, labelled', async () => {
    const { home, workflow, failing, env, release } = setup();
    const first = await runCli(['run', workflow, '--mock-responses', failing], home, env);
    expect(first.code).toBe(1);
    const [runId] = readdirSync(join(home, 'runs'));
    rmSync(join(home, 'runs', runId as string, 'events.jsonl'));
    release();

    const resumed = startCli(['resume', workflow, '--web-port', '0'], home, env);
    try {
      const [, url] = await resumed.waitFor(/dashboard: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/);
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      await page.goto(url as string);
      const note = page.getByRole('region', { name: 'Summary history' });
      await note.waitFor();
      expect(await note.textContent()).toMatch(/summary rebuilt from the checkpoint/i);
      await expectEarlierSteps(page);
      await runStatus(page, 'Completed').waitFor();
      await page.screenshot({ path: screenshotPath('synthetic-history'), fullPage: true });
      await page.close();
    } finally {
      resumed.child.kill('SIGINT');
    }
    expect((await resumed.done).code).toBe(0);
  });
});
