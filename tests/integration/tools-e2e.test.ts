import { cpSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchChromium, repoRoot, screenshotPath } from './support/chromium.js';
import { startCli, tempDir } from './support/cli.js';
import { runStatus, step } from './support/page.js';

// Tool calls in a real browser: the notes example (offline, scripted tool calls against its real MCP
// server) run with a dashboard; the page shows each call's arguments and result in the step's details
// and in the activity stream.

const hasChromium = chromiumPath() !== null;
if (!hasChromium && process.env.CI)
  throw new Error('CI needs Chromium for the browser test (scripts/ensure-chromium.mjs)');

describe.skipIf(!hasChromium)('tool calls in the dashboard', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("shows a step's tool calls with their arguments and results, and each call in the activity stream", async () => {
    const home = tempDir();
    const notes = join(home, 'notes');
    cpSync(join(repoRoot, 'examples/notes-mcp/sample'), notes, { recursive: true });
    const cli = startCli(
      [
        'run',
        'examples/notes-digest.yaml',
        '--provider',
        'mock',
        '--mock-responses',
        'examples/notes-digest.responses.yaml',
        '--web-port',
        '0',
      ],
      home,
      { NOTES_DIR: notes },
    );
    try {
      const [, url] = await cli.waitFor(/dashboard: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/);
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      await page.goto(url as string);
      await runStatus(page, 'Completed').waitFor();

      await step(page, 'gather', 'Completed').click();
      const details = page.getByRole('region', { name: 'Details of gather' });
      const calls = details
        .getByRole('region', { name: 'Tool calls of attempt 1' })
        .first()
        .getByTestId('tool-call');
      await expect.poll(() => calls.count()).toBe(3);
      expect(await calls.evaluateAll((els) => els.map((el) => el.getAttribute('data-tool')))).toEqual([
        'notes__list_notes',
        'notes__read_note',
        'notes__read_note',
      ]);
      const read = calls.nth(1);
      await read.getByRole('button', { name: /^notes__read_note/ }).click();
      await expect
        .poll(() => read.getByRole('region', { name: 'Arguments of notes__read_note' }).textContent())
        .toContain('"name": "standup.md"');
      await expect
        .poll(() => read.getByRole('region', { name: 'Result of notes__read_note' }).textContent())
        .toContain('TODO: Bo to quarantine the flaky payment test by Wednesday.');
      await page.screenshot({ path: screenshotPath('tool-calls-details'), fullPage: true });

      // The activity stream has a row for each call's start (its arguments) and completion (its result).
      const activity = page.getByRole('log', { name: 'Activity stream' });
      await page.getByLabel('Filter by step').selectOption('write');
      await activity.getByText('notes__write_note({"name":"digest.md"', { exact: false }).first().waitFor();
      await activity
        .getByText(/notes__write_note → Wrote digest\.md \(\d+ characters\)/)
        .first()
        .waitFor();
      await page.screenshot({ path: screenshotPath('tool-calls-activity'), fullPage: true });
      await page.close();
    } finally {
      cli.child.kill('SIGINT');
    }
    const result = await cli.done;
    expect(result.code).toBe(0);
  });
});
