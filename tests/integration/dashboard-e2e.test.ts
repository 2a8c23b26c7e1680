import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchChromium, screenshotPath } from './support/chromium.js';
import { runCli, startCli, tempDir } from './support/cli.js';

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
    for (const step of ['collect', 'plan', 'write']) {
      await page.locator(`[data-testid="node-${step}"][data-status="completed"]`).waitFor();
    }
    await page.getByTestId('node-write').click();
    const details = page.getByTestId('step-details');
    await expect
      .poll(() => details.getByTestId('step-output').first().textContent())
      .toContain('write: text (mock)');
    const started = Number(
      await details.getByTestId('step-started-at').first().getAttribute('data-timestamp'),
    );
    const finished = Number(
      await details.getByTestId('step-finished-at').first().getAttribute('data-timestamp'),
    );
    expect(started).toBeGreaterThan(1_700_000_000);
    expect(finished).toBeGreaterThanOrEqual(started);
  }

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

      const banner = page.getByTestId('resume-banner');
      await banner.waitFor();
      expect(await banner.textContent()).toMatch(/Resumed from checkpoint at .*\(resume 1\)/);
      await expectEarlierSteps(page);
      // The failed attempt is history, not the end: review ran again and the run waits at `hold`.
      await page.locator('[data-testid="node-review"][data-status="completed"][data-attempts="2"]').waitFor();
      await page.locator('[data-testid="node-hold"][data-status="running"]').waitFor();
      await page.getByTestId('resume-divider').first().waitFor();
      expect(await page.getByTestId('run-status').getAttribute('data-status')).toBe('running');
      await page.screenshot({ path: screenshotPath('resumed-history'), fullPage: true });

      await page.reload();
      await page.getByTestId('resume-banner').waitFor();
      await expectEarlierSteps(page);
      await page.locator('[data-testid="node-hold"][data-status="running"]').waitFor();
      await page.screenshot({ path: screenshotPath('after-reload'), fullPage: true });

      release();
      await page.locator('[data-testid="node-publish"][data-status="completed"]').waitFor();
      await page.locator('[data-testid="run-status"][data-status="completed"]').waitFor();
      await page.locator('[data-testid="node-hold"][data-status="completed"]').waitFor();
      await page.screenshot({ path: screenshotPath('resumed-completed'), fullPage: true });
      await page.close();
    } finally {
      resumed.child.kill('SIGINT');
    }
    const result = await resumed.done;
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toBe('write: text (mock)');
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
      await page.getByTestId('synthetic-history').waitFor();
      expect(await page.getByTestId('synthetic-history').textContent()).toMatch(
        /summary rebuilt from the checkpoint/i,
      );
      await expectEarlierSteps(page);
      await page.locator('[data-testid="run-status"][data-status="completed"]').waitFor();
      await page.screenshot({ path: screenshotPath('synthetic-history'), fullPage: true });
      await page.close();
    } finally {
      resumed.child.kill('SIGINT');
    }
    expect((await resumed.done).code).toBe(0);
  });
});
