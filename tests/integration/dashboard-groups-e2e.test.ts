import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchChromium, screenshotPath } from './support/chromium.js';
import { type CliProcess, startCli, tempDir } from './support/cli.js';

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
  afterEach(() => {
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
    await page.locator(`[data-testid="activity-path-filter"][data-path="${path}"]`).waitFor();
    const rows = page.getByTestId('activity').getByTestId('activity-row');
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
      await page.getByTestId('gate-panel').waitFor();
      const forEach = page.locator(
        '[data-testid="group-each_item"][data-kind="for_each"][data-total="6"][data-completed="6"]',
      );
      await forEach.waitFor();
      expect(await forEach.getAttribute('data-failed')).toBe('0');
      expect(await forEach.getAttribute('data-running')).toBe('0');
      expect(await forEach.getAttribute('data-status')).toBe('completed');
      expect(await forEach.textContent()).toContain('prepare.output.items');

      const parallel = page.locator(
        '[data-testid="group-research"][data-kind="parallel"][data-total="2"][data-completed="2"]',
      );
      await parallel.waitFor();
      expect(await parallel.getAttribute('data-status')).toBe('completed');
      for (const member of ['web', 'papers']) {
        await page.locator(`[data-testid="node-${member}"][data-status="completed"]`).waitFor();
      }
      // The members are drawn inside their group's box.
      const box = await parallel.boundingBox();
      for (const member of ['web', 'papers']) {
        const inner = await page.getByTestId(`node-${member}`).boundingBox();
        expect(box && inner).toBeTruthy();
        if (!box || !inner) continue;
        expect(inner.x).toBeGreaterThanOrEqual(box.x);
        expect(inner.y).toBeGreaterThanOrEqual(box.y);
        expect(inner.x + inner.width).toBeLessThanOrEqual(box.x + box.width + 0.5);
        expect(inner.y + inner.height).toBeLessThanOrEqual(box.y + box.height + 0.5);
      }
      await page.locator('[data-testid="node-approve"][data-status="waiting"]').waitFor();
      await page.getByTestId('node-review').getByTestId('subworkflow-badge').waitFor();
      await page.screenshot({ path: screenshotPath('groups-graph'), fullPage: true });

      // The for-each group's details: counts, and its items with their keys and outputs.
      await forEach.click();
      const details = page.getByTestId('group-details');
      await details.waitFor();
      expect(await details.getAttribute('data-kind')).toBe('for_each');
      expect(await details.getByTestId('group-stat-completed').getAttribute('data-value')).toBe('6');
      expect(await details.getByTestId('group-stat-total').getAttribute('data-value')).toBe('6');
      await expect.poll(() => details.textContent()).toMatch(/fail fast/);
      const items = details.locator('[data-testid="group-item"][data-status="completed"]');
      await expect.poll(() => items.count()).toBe(6);
      const third = details.locator('[data-testid="group-item"][data-index="3"]');
      expect(await third.getAttribute('data-key')).toBe('k3');
      await third.getByRole('button').first().click();
      await expect.poll(() => third.getByTestId('group-item-output').textContent()).toContain('k3 processed');
      await page.screenshot({ path: screenshotPath('for-each-details'), fullPage: true });

      // Item and group events read as sentences in the activity stream (filtered to the group: the
      // stream is virtualized, so only rows near the bottom are in the page).
      const activity = page.getByTestId('activity');
      await page.getByTestId('activity-step-filter').selectOption('each_item');
      await expect
        .poll(() => activity.locator('[data-type="for_each_item_completed"]').allTextContents())
        .toContainEqual(expect.stringMatching(/item 3 \(k3\) completed in \d+ms/));
      await expect
        .poll(() => activity.locator('[data-type="for_each_completed"]').allTextContents())
        .toContainEqual(expect.stringMatching(/for-each group each_item: 6 done, 0 failed/));
      await page.getByTestId('activity-step-filter').selectOption('research');
      await expect
        .poll(() => activity.locator('[data-type="parallel_completed"]').allTextContents())
        .toContainEqual(expect.stringMatching(/parallel group research: 2 done, 0 failed/));
      await page.getByTestId('activity-step-filter').selectOption('');

      // The parallel group's details list its members.
      await page.getByTestId('group-research-header').click();
      await page.locator('[data-testid="group-details"][data-kind="parallel"]').waitFor();
      for (const member of ['web', 'papers']) {
        await details
          .locator(`[data-testid="group-member"][data-step="${member}"][data-status="completed"]`)
          .waitFor();
      }
      await page.screenshot({ path: screenshotPath('parallel-details'), fullPage: true });

      // Into the sub-workflow, and the one inside it.
      await page.getByTestId('node-review').click();
      await page.getByTestId('step-details').getByTestId('open-subworkflow').click();
      const child = page.locator('[data-testid="subworkflow-graph"][data-path="review"]');
      await child.waitFor();
      for (const step of ['draft', 'inner', 'check']) {
        await child.locator(`[data-testid="node-${step}"][data-status="completed"]`).waitFor();
      }
      await page.getByTestId('breadcrumb').waitFor();
      await expectActivityScopedTo(page, 'review');
      await page.screenshot({ path: screenshotPath('subworkflow'), fullPage: true });

      await child.getByTestId('node-inner').click();
      await page.getByTestId('step-details').getByTestId('open-subworkflow').click();
      const grandchild = page.locator('[data-testid="subworkflow-graph"][data-path="review/inner"]');
      await grandchild.locator('[data-testid="node-polish"][data-status="completed"]').waitFor();
      await expectActivityScopedTo(page, 'review/inner');

      // Back up one level, then to the root, with the breadcrumb.
      await page.locator('[data-testid="breadcrumb-item"][data-path="review"]').click();
      await child.waitFor();
      await page.locator('[data-testid="breadcrumb-item"][data-path=""]').click();
      await page.getByTestId('group-research').waitFor();
      expect(await page.getByTestId('breadcrumb').count()).toBe(0);
      expect(await page.getByTestId('activity-path-filter').count()).toBe(0);

      // The gate: the option that asks for a note, then the note, then send.
      expect(await page.getByTestId('run-status').getAttribute('data-status')).toBe('running');
      await page.getByTestId('gate-option-note').click();
      await page.getByTestId('gate-input').fill(NOTE);
      await page.screenshot({ path: screenshotPath('gate-prompt-for'), fullPage: true });
      await page.getByTestId('gate-submit').click();

      await page.locator('[data-testid="run-status"][data-status="completed"]').waitFor();
      await page.locator('[data-testid="node-publish"][data-status="completed"]').waitFor();
      await page.locator('[data-testid="node-approve"][data-status="completed"]').waitFor();
      expect(await page.getByTestId('gate-panel').count()).toBe(0);
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

      const panel = page.locator('[data-testid="gate-panel"][data-step="review/confirm"]');
      await panel.waitFor();
      await page
        .locator('[data-testid="node-review"][data-status="running"][data-waiting-inside="1"]')
        .waitFor();
      await page.getByTestId('node-review').click();
      await page.getByTestId('step-details').getByTestId('open-subworkflow').click();
      const child = page.locator('[data-testid="subworkflow-graph"][data-path="review"]');
      await child.locator('[data-testid="node-prep"][data-status="completed"]').waitFor();
      await child.locator('[data-testid="node-confirm"][data-status="waiting"]').waitFor();
      await page.screenshot({ path: screenshotPath('subworkflow-gate-waiting'), fullPage: true });

      await panel.getByTestId('gate-option-yes').click();
      await child.locator('[data-testid="node-confirm"][data-status="completed"]').waitFor();
      await page.getByTestId('breadcrumb-item').first().click();
      await page.locator('[data-testid="node-review"][data-status="completed"]').waitFor();
      await page.locator('[data-testid="node-hold"][data-status="running"]').waitFor();
      expect(await page.getByTestId('gate-panel').count()).toBe(0);

      await page.getByTestId('stop-button').click();
      await page.getByTestId('stop-confirm').click();
      await page.locator('[data-testid="run-status"][data-status="interrupted"]').waitFor();
      await page.close();
    } finally {
      cli.child.kill('SIGINT');
    }
    const result = await cli.done;
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(/✓ confirm {2}chose "yes"/);
    expect(result.stderr).toMatch(/interrupted run [\w-]+ at step "hold"/);
  });
});
