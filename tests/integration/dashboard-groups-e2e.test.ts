import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { chromiumPath, launchChromium, screenshotPath } from './support/chromium.js';
import { type CliProcess, startCli, tempDir } from './support/cli.js';
import { group, runStatus, shownUnder, step } from './support/page.js';

// Groups, sub-workflows and a gate in a real browser: a for-each group of six items (two at a time), a
// parallel group of two mock agents, a sub-workflow step whose child runs a sub-workflow of its own, then a
// human gate. Standard input is not a terminal, so the gate waits for the dashboard: the run cannot finish
// before the page has seen everything and answered.
const WORKFLOW = `
workflow:
  name: e2e-groups
  entry_point: prepare
  runtime:
    provider: mock
agents:
  - name: prepare
    type: set
    values:
      items: [k0, k1, k2, k3, k4, k5]
    routes:
      - to: each_item
  - name: web
    prompt: Search the web.
  - name: papers
    prompt: Search papers.
  - name: review
    type: workflow
    workflow: ./child.yaml
    input_mapping:
      topic: "{{ prepare.output.items | join(', ') }}"
    routes:
      - to: approve
  - name: approve
    type: human_gate
    prompt: |
      ## Publish the summary?
      Six items processed, research and review done.
    options:
      - { label: Publish, value: publish, route: publish }
      - { label: Publish with a note, value: note, route: publish, prompt_for: note, multiline: true }
  - name: publish
    type: set
    values:
      decision: "{{ approve.output.value }}"
      note: "{{ approve.output.additional_input.note | default('') }}"
parallel:
  - name: research
    agents: [web, papers]
    failure_mode: continue_on_error
    routes:
      - to: review
for_each:
  - name: each_item
    type: for_each
    source: prepare.output.items
    as: item
    max_concurrent: 2
    key_by: item
    agent:
      type: set
      value: "{{ item }} processed"
    routes:
      - to: research
output:
  decision: "{{ publish.output.decision }}"
  note: "{{ publish.output.note }}"
`;

const CHILD = `
workflow:
  name: child-review
  entry_point: draft
  runtime:
    provider: mock
  input:
    topic: { type: string }
agents:
  - name: draft
    prompt: "Draft a review of {{ workflow.input.topic }}"
    routes:
      - to: inner
  - name: inner
    type: workflow
    workflow: ./grandchild.yaml
    routes:
      - to: check
  - name: check
    type: set
    value: checked
`;

const GRANDCHILD = `
workflow:
  name: grandchild
  entry_point: polish
agents:
  - name: polish
    type: set
    value: polished
`;

const NOTE = 'Ship it on Monday';

// A gate inside a sub-workflow: the projection's `gate` (what the dashboard answers) is the root's only, so
// the page shows it as a waiting step and says where to answer it; the run is then stopped from the page.
const SUB_GATE_PARENT = `
workflow:
  name: e2e-sub-gate
  entry_point: start
agents:
  - name: start
    type: set
    value: go
    routes:
      - to: review
  - name: review
    type: workflow
    workflow: ./gate-child.yaml
    routes:
      - to: hold
  - name: hold
    type: wait
    duration: 120s
`;

const SUB_GATE_CHILD = `
workflow:
  name: child-with-gate
  entry_point: prep
agents:
  - name: prep
    type: set
    value: ready
    routes:
      - to: confirm
  - name: confirm
    type: human_gate
    prompt: Continue?
    options:
      - { label: "Yes", value: "yes" }
      - { label: "No", value: "no" }
`;

const hasChromium = chromiumPath() !== null;
if (!hasChromium && process.env.CI)
  throw new Error('CI needs Chromium for the browser test (scripts/ensure-chromium.mjs)');

describe.skipIf(!hasChromium)('dashboard groups, sub-workflows and gates in a real browser', () => {
  let browser: Browser;
  /** Every `conductor` started here: one still running after a failed test is ended in afterEach. */
  const clis: CliProcess[] = [];
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterEach((ctx) => {
    // A failed test shows what conductor printed, so a failure in CI can be read without rerunning it.
    if (ctx.task.result?.state === 'fail') for (const cli of clis) console.error(cli.output());
    // A test that failed mid-run sent one SIGINT, which only stops the run (the dashboard then lingers).
    for (const cli of clis.splice(0))
      if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
  });
  afterAll(async () => {
    await browser?.close();
  });

  function start(workflow: string, home: string): CliProcess {
    const cli = startCli(['run', workflow, '--web-port', '0'], home);
    clis.push(cli);
    return cli;
  }

  function setup() {
    const home = tempDir();
    const workflow = join(home, 'groups.yaml');
    writeFileSync(workflow, WORKFLOW);
    writeFileSync(join(home, 'child.yaml'), CHILD);
    writeFileSync(join(home, 'grandchild.yaml'), GRANDCHILD);
    return { home, workflow };
  }

  /** Every activity row on screen comes from the sub-workflow at `path` (or deeper). */
  async function expectActivityScopedTo(page: Page, path: string) {
    await page.getByText(`Events of sub-workflow ${path}`, { exact: true }).waitFor();
    // A row shows its step, not its sub-workflow (a step-less row, like the child's start, shows none):
    // which sub-workflow a row comes from is only in its data-path.
    const rows = page.getByRole('log', { name: 'Activity stream' }).getByTestId('activity-row');
    await rows.first().waitFor();
    const paths = await rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-path') ?? ''));
    expect(paths.length).toBeGreaterThan(0);
    for (const rowPath of paths) expect(rowPath === path || rowPath.startsWith(`${path}/`)).toBe(true);
  }

  it('shows groups with live counts, opens sub-workflows, answers the gate with its text, and the run completes', async () => {
    const { home, workflow } = setup();
    const cli = start(workflow, home);
    try {
      const [, url] = await cli.waitFor(/dashboard: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/);
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      await page.goto(url as string);

      // The run reaches the gate; by then both groups are done.
      await page.getByRole('region', { name: 'Decision needed for approve' }).waitFor();
      // All six done, none failed or running ("6/6 done" says only what there is).
      const forEach = group(page, 'each_item', 'Completed: 6/6 done.');
      await forEach.waitFor();
      expect(await forEach.getAttribute('aria-label')).toMatch(/^each_item, for-each group,/);
      expect(await forEach.textContent()).toContain('prepare.output.items');

      const parallel = group(page, 'research', 'Completed: 2/2 done.');
      await parallel.waitFor();
      expect(await parallel.getAttribute('aria-label')).toMatch(/^research, parallel group,/);
      for (const member of ['web', 'papers']) await step(page, member, 'Completed').waitFor();
      // The members are drawn inside their group's box (a drawing: the box has no role of its own).
      const box = await page.getByTestId('group-research').boundingBox();
      for (const member of ['web', 'papers']) {
        const inner = await step(page, member).boundingBox();
        expect(box && inner).toBeTruthy();
        if (!box || !inner) continue;
        expect(inner.x).toBeGreaterThanOrEqual(box.x);
        expect(inner.y).toBeGreaterThanOrEqual(box.y);
        expect(inner.x + inner.width).toBeLessThanOrEqual(box.x + box.width + 0.5);
        expect(inner.y + inner.height).toBeLessThanOrEqual(box.y + box.height + 0.5);
      }
      await step(page, 'approve', 'Waiting').waitFor();
      await step(page, 'review').getByText('sub-workflow', { exact: true }).waitFor();
      await page.screenshot({ path: screenshotPath('groups-graph'), fullPage: true });

      // The for-each group's details: counts, and its items with their keys and outputs.
      await forEach.click();
      const details = page.getByRole('region', { name: 'Details of group each_item' });
      await details.waitFor();
      expect(await details.getByText('for each', { exact: true }).count()).toBe(1);
      expect(await shownUnder(details, 'Done').textContent()).toBe('6');
      expect(await shownUnder(details, 'Items').textContent()).toBe('6');
      await expect.poll(() => details.textContent()).toMatch(/fail fast/);
      const items = details.getByRole('list', { name: 'Recent items' }).getByRole('listitem');
      await expect.poll(() => items.filter({ hasText: 'Completed' }).count()).toBe(6);
      // Item 3, whose key is k3.
      const third = items.filter({ has: page.getByRole('button', { name: /^#3 k3 / }) });
      await third.getByRole('button').first().click();
      await expect
        .poll(() => third.getByRole('region', { name: 'Output of item 3' }).textContent())
        .toContain('k3 processed');
      await page.screenshot({ path: screenshotPath('for-each-details'), fullPage: true });

      // Item and group events read as sentences in the activity stream (filtered to the group: the
      // stream is virtualized, so only rows near the bottom are in the page).
      // (Each sentence is its event type's: an item's completion, the group's, the parallel group's.)
      const activity = page.getByRole('log', { name: 'Activity stream' });
      const stepFilter = page.getByLabel('Filter by step');
      await stepFilter.selectOption('each_item');
      await activity
        .getByText(/item 3 \(k3\) completed in \d+ms/)
        .first()
        .waitFor();
      await activity
        .getByText(/for-each group each_item: 6 done, 0 failed/)
        .first()
        .waitFor();
      await stepFilter.selectOption('research');
      await activity
        .getByText(/parallel group research: 2 done, 0 failed/)
        .first()
        .waitFor();
      await stepFilter.selectOption('');

      // The parallel group's details list its members.
      await parallel.click();
      const members = page
        .getByRole('region', { name: 'Details of group research' })
        .getByRole('list', { name: 'Members' });
      for (const member of ['web', 'papers']) {
        await members
          .getByRole('listitem')
          .filter({ has: page.getByRole('button', { name: member, exact: true }) })
          .filter({ hasText: 'Completed' })
          .waitFor();
      }
      await page.screenshot({ path: screenshotPath('parallel-details'), fullPage: true });

      // Into the sub-workflow, and the one inside it.
      const openSubworkflow = async (scope: Page | Locator, name: string, key: string) => {
        await step(scope, name).click();
        await page
          .getByRole('region', { name: `Details of ${key}` })
          .getByRole('button', { name: 'Open sub-workflow' })
          .click();
      };
      await openSubworkflow(page, 'review', 'review');
      const child = page.getByRole('region', { name: 'Sub-workflow review', exact: true });
      await child.waitFor();
      for (const name of ['draft', 'inner', 'check']) await step(child, name, 'Completed').waitFor();
      const breadcrumb = page.getByRole('navigation', { name: 'Sub-workflow path' });
      await breadcrumb.waitFor();
      await expectActivityScopedTo(page, 'review');
      await page.screenshot({ path: screenshotPath('subworkflow'), fullPage: true });

      await openSubworkflow(child, 'inner', 'review/inner');
      const grandchild = page.getByRole('region', { name: 'Sub-workflow review/inner', exact: true });
      await step(grandchild, 'polish', 'Completed').waitFor();
      await expectActivityScopedTo(page, 'review/inner');

      // Back up one level, then to the root, with the breadcrumb.
      await breadcrumb.getByRole('button', { name: 'review', exact: true }).click();
      await child.waitFor();
      await breadcrumb.getByRole('button', { name: 'e2e-groups', exact: true }).click();
      await group(page, 'research').waitFor();
      expect(await breadcrumb.count()).toBe(0);
      expect(await page.getByText(/^Events of sub-workflow/).count()).toBe(0);

      // The gate: the option that asks for a note, then the note, then send.
      expect(await runStatus(page).textContent()).toBe('Running');
      const gate = page.getByRole('region', { name: 'Decision needed for approve' });
      await gate.getByRole('button', { name: /^Publish with a note/ }).click();
      await gate.getByRole('textbox', { name: /Note$/ }).fill(NOTE);
      await page.screenshot({ path: screenshotPath('gate-prompt-for'), fullPage: true });
      await gate.getByRole('button', { name: 'Send', exact: true }).click();

      await runStatus(page, 'Completed').waitFor();
      await step(page, 'publish', 'Completed').waitFor();
      await step(page, 'approve', 'Completed').waitFor();
      expect(await page.getByRole('region', { name: /^Decision needed/ }).count()).toBe(0);
      await page.screenshot({ path: screenshotPath('groups-completed'), fullPage: true });
      await page.close();
    } finally {
      cli.child.kill('SIGINT');
    }
    const result = await cli.done;
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ decision: 'note', note: NOTE });
  });

  it('answers a gate inside a sub-workflow from the page, and the run can then be stopped from the page', async () => {
    const home = tempDir();
    const workflow = join(home, 'sub-gate.yaml');
    writeFileSync(workflow, SUB_GATE_PARENT);
    writeFileSync(join(home, 'gate-child.yaml'), SUB_GATE_CHILD);
    const cli = start(workflow, home);
    try {
      const [, url] = await cli.waitFor(/dashboard: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/);
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      await page.goto(url as string);

      const panel = page.getByRole('region', { name: 'Decision needed for review/confirm' });
      await panel.waitFor();
      await step(page, 'review', 'Running, sub-workflow, a gate inside is waiting').waitFor();
      await step(page, 'review').click();
      await page
        .getByRole('region', { name: 'Details of review' })
        .getByRole('button', { name: 'Open sub-workflow' })
        .click();
      const child = page.getByRole('region', { name: 'Sub-workflow review', exact: true });
      await step(child, 'prep', 'Completed').waitFor();
      await step(child, 'confirm', 'Waiting').waitFor();
      await page.screenshot({ path: screenshotPath('subworkflow-gate-waiting'), fullPage: true });

      await panel.getByRole('button', { name: 'Yes', exact: true }).click();
      await step(child, 'confirm', 'Completed').waitFor();
      await page.getByRole('navigation', { name: 'Sub-workflow path' }).getByRole('button').first().click();
      await step(page, 'review', 'Completed').waitFor();
      await step(page, 'hold', 'Running').waitFor();
      expect(await page.getByRole('region', { name: /^Decision needed/ }).count()).toBe(0);

      await page.getByRole('button', { name: 'Stop', exact: true }).click();
      await page
        .getByRole('alertdialog', { name: 'Stop the run?' })
        .getByRole('button', { name: 'Stop run' })
        .click();
      await runStatus(page, 'Interrupted').waitFor();
      await page.close();
    } finally {
      cli.child.kill('SIGINT');
    }
    // Ctrl-C ends the lingering dashboard; a process that stays names the step that hangs.
    await vi.waitFor(
      () => {
        if (cli.child.exitCode === null && cli.child.signalCode === null)
          throw new Error(`conductor has not exited after SIGINT:\n${cli.output()}`);
      },
      { timeout: 30_000 },
    );
    const result = await cli.done;
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(/✓ confirm {2}chose "yes"/);
    expect(result.stderr).toMatch(/interrupted run [\w-]+ at step "hold"/);
  });
});
