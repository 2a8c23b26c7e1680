import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchChromium, screenshotPath } from './support/chromium.js';
import { runCli, startCli, tempDir } from './support/cli.js';

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
      const play = page.getByTestId('replay-play');
      await play.waitFor();
      expect(await page.getByTestId('replay-speed-max').getAttribute('aria-pressed')).toBe('true');
      const slider = page.getByTestId('replay-slider');
      const last = Number(await slider.getAttribute('max'));
      expect(last).toBeGreaterThan(10);

      if ((await play.getAttribute('data-playing')) !== 'true') await play.click();
      await page.locator('[data-testid="run-status"][data-status="completed"]').waitFor();
      await page.locator('[data-testid="node-review"][data-attempts="2"]').waitFor();
      await page.screenshot({ path: screenshotPath('replay-end'), fullPage: true });

      // Back to just after the first review: one review attempt, the run still going.
      const firstReviewDone = await page.evaluate(() => {
        const rows = [
          ...document.querySelectorAll(
            '[data-testid="activity-row"][data-type="agent_completed"][data-step="review"]',
          ),
        ];
        return Number(rows[0]?.getAttribute('data-seq'));
      });
      expect(firstReviewDone).toBeGreaterThan(0);
      await slider.fill(String(firstReviewDone));
      await page.locator('[data-testid="node-review"][data-attempts="1"]').waitFor();
      await page.locator('[data-testid="run-status"][data-status="running"]').waitFor();
      await page.screenshot({ path: screenshotPath('replay-scrubbed'), fullPage: true });
      await page.close();
    } finally {
      replay.child.kill('SIGINT');
    }
    expect((await replay.done).code).toBe(0);
  });
});
