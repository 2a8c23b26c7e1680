import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchChromium, screenshotPath } from './support/chromium.js';
import { type CliProcess, runCli, startCli, tempDir } from './support/cli.js';
import { runStatus } from './support/page.js';
import { failsOnceWorkflow, storeUrl } from './support/pg.js';

// `conductor dashboard --store` in a real browser: runs of two other homes in one list, a run's page
// read from the store, and a resume from the page that a worker on a fourth home completes.

const hasChromium = chromiumPath() !== null;
if (!hasChromium && process.env.CI)
  throw new Error('CI needs Chromium for the browser test (scripts/ensure-chromium.mjs)');

describe.skipIf(!hasChromium)('the run browser over a shared store, in a real browser', () => {
  let browser: Browser;
  const started: CliProcess[] = [];
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    for (const cli of started) cli.child.kill('SIGKILL');
    await browser?.close();
  });

  it('lists every home’s runs, opens one, and resumes a failed one through a worker', async () => {
    const url = storeUrl();
    const [homeA, homeB, homeC, homeD] = [tempDir(), tempDir(), tempDir(), tempDir()];
    const done = await runCli(
      ['run', failsOnceWorkflow(homeA, join(homeA, 'no-marker')), '-q', '--store', url],
      homeA,
      { CONDUCTOR_RUN_ID: 'page-a' },
    );
    expect(done.code, done.stderr).toBe(0);
    const marker = join(homeB, 'fail-once');
    writeFileSync(marker, '');
    const failed = await runCli(['run', failsOnceWorkflow(homeB, marker), '-q', '--store', url], homeB, {
      CONDUCTOR_RUN_ID: 'page-b',
    });
    expect(failed.code, failed.stderr).toBe(1);

    const server = startCli(['dashboard', '--store', url], homeC);
    started.push(server);
    const [, address] = await server.waitFor(/(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/);
    const page = await browser.newPage({ viewport: { width: 1440, height: 600 } });
    await page.goto(address as string);
    const row = (id: string) => page.locator(`tr[data-run-id="${id}"]`);
    const statusOf = (id: string) => row(id).locator('.run-status');

    await expect.poll(() => page.locator('tbody tr').count(), { timeout: 15_000 }).toBe(2);
    expect(await statusOf('page-a').textContent()).toBe('Completed');
    expect(await statusOf('page-b').textContent()).toBe('Failed');
    // The store, named without a password, where a home's folder would be.
    expect(await page.locator('.run-list-home').textContent()).toMatch(/^postgres:\/\//);

    // A run's page, read from the store.
    await row('page-a').getByRole('link', { name: 'page-a' }).click();
    await page.waitForURL(/\/runs\/page-a\/$/);
    await runStatus(page, 'Completed').waitFor({ timeout: 10_000 });
    await page.getByRole('link', { name: '← All runs' }).click();

    // Resume: queued for the store's workers, said on the page; a worker started later completes it.
    await row('page-b').getByRole('button', { name: 'Resume' }).click();
    await expect
      .poll(() => page.getByRole('status').textContent(), { timeout: 15_000 })
      .toMatch(/queued a resume of run page-b/);
    const worker = startCli(['worker', '--store', url], homeD);
    started.push(worker);
    await expect.poll(() => statusOf('page-b').textContent(), { timeout: 60_000 }).toBe('Completed');
    expect(await row('page-b').locator('[data-field="resumes"]').textContent()).toBe('1');
    await page.screenshot({ path: screenshotPath('run-list-store') });
    await page.close();
  });
});
