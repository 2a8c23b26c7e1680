import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { createDashboard, memoryStore, type RunningDashboard, startDashboard } from '@conductor/dashboard';
import { getRequestListener } from '@hono/node-server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchChromium, repoRoot } from './support/chromium.js';
import { tempDir } from './support/cli.js';
import { group, runStatus, shownUnder, step } from './support/page.js';
import { DOWN_SECONDS, ITEMS, runViewLog } from './support/runview-fixture.js';

const hasChromium = chromiumPath() !== null;
const artifacts = join(repoRoot, 'artifacts');

// The run view of one finished run that failed and was resumed 90 s later: its timeline, its outputs,
// its for-each items, search, the light theme, replay, and the page mounted under a path.
describe.skipIf(!hasChromium)('the run view in a real browser', () => {
  let browser: Browser;
  let live: RunningDashboard;
  let replay: RunningDashboard;
  let lastSeq: number;
  const servers: Server[] = [];

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    const outputsDir = join(tempDir('conductor-runview-'), 'outputs');
    const events = runViewLog(outputsDir);
    lastSeq = events.length;
    live = await startDashboard({ history: memoryStore(events), outputsDir });
    replay = await startDashboard({
      history: memoryStore(events),
      info: { mode: 'replay', source: 'replay', replaySpeed: 1 },
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await live?.close();
    await replay?.close();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  async function open(url: string, options: { colorScheme?: 'light' | 'dark' } = {}): Promise<Page> {
    const context = await browser.newContext({
      viewport: { width: 1440, height: 900 },
      colorScheme: options.colorScheme ?? 'dark',
    });
    const page = await context.newPage();
    await page.goto(url);
    return page;
  }

  it('shows every attempt on one time axis across the resume, with the downtime shaded', async () => {
    const page = await open(live.url);
    await runStatus(page, 'Completed').waitFor();
    // The graph and the run panel count the same nodes.
    expect(await page.getByTestId('graph-counts').textContent()).toBe('5/5 completed');
    expect(await page.getByTestId('run-step-counts').textContent()).toBe(
      '5 completed · 0 active · 0 failed · 0 pending',
    );
    // Durations on the graph's nodes.
    expect(await step(page, 'fetch').getByTestId('node-duration').textContent()).toBe('2.0s');
    // The activity's last row gives the whole run's times, not the last resume's 5 s.
    const activity = page.getByRole('log', { name: 'Activity stream' });
    await activity.getByText('Completed — active 19s · wall 1m 49s', { exact: false }).waitFor();

    await page.getByTestId('view-timeline').click();
    const timeline = page.getByTestId('timeline');
    await timeline.waitFor();
    expect(await page.getByTestId('timeline-times').textContent()).toMatch(
      /Active 19s.*Wall 1m 49s.*Down 1m 30s between a failure and its resume/,
    );
    const downtime = page.getByTestId('timeline-downtime');
    expect(await downtime.textContent()).toBe(`down 1m ${DOWN_SECONDS - 60}s`);
    const report = page
      .locator('[data-testid="timeline-lane"][data-key="report"]')
      .getByTestId('timeline-bar');
    expect(
      await report.evaluateAll((bars) => bars.map((b) => [b.dataset.status, b.dataset.generation])),
    ).toEqual([
      ['failed', '0'],
      ['completed', '1'],
    ]);
    // The downtime lies between the failed attempt's end and the resumed one's start.
    const [failedBox, resumedBox, downBox] = await Promise.all([
      report.nth(0).boundingBox(),
      report.nth(1).boundingBox(),
      downtime.boundingBox(),
    ]);
    expect(downBox?.x).toBeGreaterThanOrEqual((failedBox?.x ?? 0) + (failedBox?.width ?? 0) - 1);
    expect((downBox?.x ?? 0) + (downBox?.width ?? 0)).toBeLessThanOrEqual((resumedBox?.x ?? 0) + 1);

    // Groups open to their members (with the tool call) and items.
    await page.getByRole('button', { name: 'Expand research' }).click();
    await page
      .locator('[data-testid="timeline-lane"][data-key="web"]')
      .getByTestId('timeline-tool')
      .waitFor();
    await page.screenshot({ path: join(artifacts, 'timeline.png') });
    // The items the state keeps (the latest 30; the group's details list them all).
    await page.getByRole('button', { name: 'Expand each' }).click();
    await expect
      .poll(() => page.locator('[data-testid="timeline-lane"][data-key^="each#"]').count())
      .toBe(30);
  });

  it('shows outputs as a tree with copy, parsed fields first, prose as Markdown, and the head of a large one', async () => {
    const page = await open(live.url);
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await runStatus(page, 'Completed').waitFor();
    await step(page, 'fetch').click();
    const output = page.getByRole('region', { name: 'Output of fetch' });
    const tree = output.getByTestId('json-tree');
    await tree.waitFor();
    // Parsed fields first, the exit code after them; the raw stdout is folded below.
    const text = (await tree.textContent()) ?? '';
    expect(text.indexOf('"cities"')).toBeLessThan(text.indexOf('"exit_code"'));
    expect(await output.getByTestId('raw-stdout').getAttribute('open')).toBeNull();
    await expect.poll(() => tree.getByText('"city-59"').count()).toBe(1);
    await tree.getByRole('button', { name: 'Collapse' }).nth(1).click();
    await expect.poll(() => tree.getByText('"city-59"').count()).toBe(0);
    await output.getByRole('button', { name: 'Copy Output of fetch' }).click();
    const copied = JSON.parse(await page.evaluate(() => navigator.clipboard.readText()));
    expect(copied).toMatchObject({ source: 'atlas', total: ITEMS, exit_code: 0 });

    await step(page, 'report').click();
    const prose = page.getByRole('region', { name: 'Output of report' });
    await prose.getByRole('heading', { name: 'Findings' }).waitFor();
    expect(await prose.getByRole('listitem').count()).toBe(2);

    await step(page, 'big').click();
    const note = page.getByRole('region', { name: 'Stored stdout' });
    await note.waitFor();
    expect(await note.textContent()).toContain('stdout is 2.0 MB: the first 4,000 characters are shown');
    expect(await page.getByRole('region', { name: 'Output of big' }).textContent()).toContain('row 0.');
    await page.screenshot({ path: join(artifacts, 'large-output.png') });
  });

  it('lists every for-each item by its value, paged and searchable', async () => {
    const page = await open(live.url);
    await runStatus(page, 'Completed').waitFor();
    await group(page, 'each').click();
    await page.getByTestId('load-all-items').click();
    const count = page.getByTestId('items-count');
    await count.waitFor();
    expect(await count.textContent()).toBe(`${ITEMS} of ${ITEMS} items · page 1 of 3`);
    const rows = page.getByTestId('item-list-row');
    expect(await rows.first().textContent()).toContain('item 0 (city-0)');
    await page.getByRole('navigation', { name: 'Item pages' }).getByRole('button', { name: 'Next' }).click();
    expect(await rows.first().textContent()).toContain('item 25 (city-25)');
    await page.getByTestId('item-search').fill('city-42');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('item 42 (city-42)');
    expect(await count.textContent()).toBe(`1 of ${ITEMS} items`);
  });

  it('finds rows in the activity by what they say', async () => {
    const page = await open(live.url);
    await runStatus(page, 'Completed').waitFor();
    await page.getByTestId('activity-search').fill('rate limited');
    const rows = page.getByRole('log', { name: 'Activity stream' }).getByTestId('activity-row');
    // The step's failure and the run's end that it caused.
    await expect.poll(() => rows.count()).toBe(2);
    for (const row of await rows.all()) expect(await row.textContent()).toContain('rate limited');
    await page.getByTestId('activity-search').fill('no row says this');
    await expect.poll(() => rows.count()).toBe(0);
  });

  it('follows the system light theme, and the toggle and the colorScheme option override it', async () => {
    const background = (page: Page) =>
      page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    const light = await open(live.url, { colorScheme: 'light' });
    await runStatus(light, 'Completed').waitFor();
    expect(await background(light)).toBe('rgb(246, 247, 250)');
    await light.getByTestId('theme-toggle').click(); // system → light
    await light.getByTestId('theme-toggle').click(); // light → dark
    expect(await light.getByTestId('theme-toggle').getAttribute('data-scheme')).toBe('dark');
    expect(await background(light)).toBe('rgb(11, 13, 18)');

    const fixed = await startDashboard({ history: memoryStore(runViewLog(tempDir())), colorScheme: 'light' });
    try {
      const page = await open(fixed.url, { colorScheme: 'dark' });
      await runStatus(page, 'Completed').waitFor();
      expect(await background(page)).toBe('rgb(246, 247, 250)');
    } finally {
      await fixed.close();
    }
  });

  it('replays after a seek: the counter follows, marks show the failure and the resume, no resume command', async () => {
    const page = await open(replay.url);
    const controls = page.getByRole('region', { name: 'Replay controls' });
    await controls.waitFor();
    await controls.getByRole('button', { name: 'Pause' }).click();
    expect(
      await controls.getByTestId('replay-mark').evaluateAll((marks) => marks.map((m) => m.dataset.kind)),
    ).toEqual(['failure', 'resume']);
    const failureSeq = Number(
      await controls.locator('[data-testid="replay-mark"][data-kind="failure"]').getAttribute('data-seq'),
    );
    const slider = controls.getByRole('slider', { name: 'Position in the log (seq)' });
    await slider.evaluate((input: HTMLInputElement, seq) => {
      const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')?.set;
      set?.call(input, String(seq));
      input.dispatchEvent(new Event('input', { bubbles: true }));
    }, failureSeq);
    const position = controls.getByTestId('replay-position');
    await expect.poll(() => position.textContent()).toBe(`${failureSeq} / ${lastSeq}`);
    await runStatus(page, 'Failed').waitFor();
    await page.getByTestId('replay-failure-note').waitFor();
    expect(await page.getByTestId('resume-command').count()).toBe(0);

    // Played on from there, the counter moves with the run to its end.
    await controls.getByRole('button', { name: 'max', exact: true }).click();
    await controls.getByRole('button', { name: 'Play', exact: true }).click();
    await expect.poll(() => position.textContent()).toBe(`${lastSeq} / ${lastSeq}`);
    await runStatus(page, 'Completed').waitFor();
  });

  it('works mounted under a path, with or without the trailing slash', async () => {
    const dashboard = createDashboard({
      history: memoryStore(runViewLog(tempDir())),
      basePath: '/runs/x',
      token: false,
      allowedHosts: ['127.0.0.1'],
    });
    const handle = getRequestListener(dashboard.app.fetch);
    const server = createServer((req, res) => {
      if (req.url === '/runs/x' || req.url?.startsWith('/runs/x/') || req.url?.startsWith('/runs/x?'))
        return handle(req, res);
      res.end('my app\n');
    });
    servers.push(server);
    dashboard.attachWebSocket(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    for (const path of ['/runs/x', '/runs/x/']) {
      const page = await open(`http://127.0.0.1:${port}${path}`);
      await runStatus(page, 'Completed').waitFor();
      expect(await shownUnder(page.getByTestId('run-overview'), 'Resumes').textContent()).toBe('1');
      await page.close();
    }
    await dashboard.close();
  });
});
