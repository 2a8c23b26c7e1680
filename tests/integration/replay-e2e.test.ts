import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchChromium, screenshotPath } from './support/chromium.js';
import { runCli, startCli, tempDir } from './support/cli.js';
import { runStatus, step } from './support/page.js';

const hasChromium = chromiumPath() !== null;

describe.skipIf(!hasChromium)('conductor replay in a real browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('plays a finished run back at the chosen speed, and the slider scrubs back to an earlier state', async () => {
    const home = tempDir();
    const loop = await runCli(
      [
        'run',
        'examples/review-loop.yaml',
        '--mock-responses',
        'examples/review-loop.responses.yaml',
        '--quiet',
      ],
      home,
    );
    expect(loop.code).toBe(0);
    const [runId] = readdirSync(join(home, 'runs'));
    const log = join(home, 'runs', runId as string, 'events.jsonl');

    const replay = startCli(['replay', log, '--speed', 'max', '--web-port', '0'], home);
    try {
      const [url] = await replay.waitFor(/http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/);
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      await page.goto(url as string);
      const controls = page.getByRole('region', { name: 'Replay controls' });
      await controls.waitFor();
      expect(
        await controls.getByRole('button', { name: 'max', exact: true }).getAttribute('aria-pressed'),
      ).toBe('true');
      const slider = controls.getByRole('slider', { name: 'Position in the log (seq)' });
      const last = Number(await slider.getAttribute('max'));
      expect(last).toBeGreaterThan(10);

      // Playing already, or ready to play.
      const play = controls.getByRole('button', { name: 'Play', exact: true });
      if ((await play.count()) > 0) await play.click();
      await runStatus(page, 'Completed').waitFor();
      await step(page, 'review', 'Completed, 2 attempts').waitFor();
      await page.screenshot({ path: screenshotPath('replay-end'), fullPage: true });

      // Back to just after the first review: one review attempt, the run still going.
      const firstReviewDone = readFileSync(log, 'utf8')
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as { seq: number; type: string; data: { agent_name?: string } })
        .find((e) => e.type === 'agent_completed' && e.data.agent_name === 'review')?.seq;
      expect(firstReviewDone).toBeGreaterThan(0);
      await slider.fill(String(firstReviewDone));
      await page.getByRole('button', { name: 'review: Completed. Show details', exact: true }).waitFor();
      await runStatus(page, 'Running').waitFor();
      await page.screenshot({ path: screenshotPath('replay-scrubbed'), fullPage: true });
      await page.close();
    } finally {
      replay.child.kill('SIGINT');
    }
    expect((await replay.done).code).toBe(0);
  });
});
