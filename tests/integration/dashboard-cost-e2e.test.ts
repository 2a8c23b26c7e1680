import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchChromium, screenshotPath } from './support/chromium.js';
import { type CliProcess, startCli, tempDir } from './support/cli.js';
import { group, runStatus, shownUnder, step } from './support/page.js';

// Cost on the dashboard, in a real browser: two priced agents (one run twice by a loop) and a for-each
// group of two items. The mock plays each answer's token counts; the model costs $1 per million input
// tokens, so the figures are round: plan $1.50, draft 2 × $0.25, each item $0.10, $2.20 in all.
const WORKFLOW = `
workflow:
  name: e2e-cost
  entry_point: plan
  runtime:
    provider: mock
    default_model: house-model
  limits:
    budget_usd: 2
  cost:
    pricing:
      house-model: { input_per_mtok: 1, output_per_mtok: 0 }
agents:
  - name: plan
    prompt: Plan.
    output:
      parts: { type: array, items: { type: string, maxLength: 8 } }
    routes: [{ to: each }]
  - name: draft
    prompt: Draft.
    output:
      score: { type: integer, minimum: 0, maximum: 10 }
    routes:
      - to: draft
        when: "{{ draft.output.score < 5 }}"
      - to: $end
for_each:
  - name: each
    type: for_each
    source: plan.output.parts
    as: part
    agent:
      prompt: "Write {{ part }}"
    routes: [{ to: draft }]
output:
  score: "{{ draft.output.score }}"
`;

const ANSWERS = `plan:
  output: { parts: [intro, outro] }
  usage: { input_tokens: 1500000, output_tokens: 10 }
each:
  text: written
  usage: { input_tokens: 100000, output_tokens: 10 }
draft:
  - output: { score: 3 }
    usage: { input_tokens: 250000, output_tokens: 10 }
  - output: { score: 8 }
    usage: { input_tokens: 250000, output_tokens: 10 }
`;

const hasChromium = chromiumPath() !== null;
if (!hasChromium && process.env.CI)
  throw new Error('CI needs Chromium for the browser test (scripts/ensure-chromium.mjs)');

describe.skipIf(!hasChromium)('cost on the dashboard in a real browser', () => {
  let browser: Browser;
  const clis: CliProcess[] = [];
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') for (const cli of clis) console.error(cli.output());
    for (const cli of clis.splice(0))
      if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("shows each step's cost on the graph and in its details, the group's, and the run's total", async () => {
    const home = tempDir();
    const workflow = join(home, 'cost.yaml');
    writeFileSync(workflow, WORKFLOW);
    const answers = join(home, 'answers.yaml');
    writeFileSync(answers, ANSWERS);
    const cli = startCli(['run', workflow, '--mock-responses', answers, '--web-port', '0'], home);
    clis.push(cli);
    try {
      const [, url] = await cli.waitFor(/dashboard: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/);
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      await page.goto(url as string);
      await runStatus(page, 'Completed').waitFor();

      // On the graph: each step's cost (every attempt), and the for-each group's.
      await step(page, 'plan', 'Completed, cost $1.50').waitFor();
      await step(page, 'draft', 'Completed, 2 attempts, cost $0.50').waitFor();
      await group(page, 'each', 'Completed: 2/2 done, cost $0.20').waitFor();
      expect(await step(page, 'plan').getByText('$1.50', { exact: true }).isVisible()).toBe(true);

      // In the header, the run's total; in the overview too, with the budget it passed.
      const header = page.getByTestId('run-header');
      expect(await shownUnder(header, 'Cost').textContent()).toBe('$2.20');
      const overview = page.getByRole('region', { name: 'Run overview' });
      expect(await shownUnder(overview, 'Total cost').textContent()).toBe('$2.20');
      expect(await shownUnder(overview, 'Budget').textContent()).toBe('passed $2.00 (audit)');
      await page.screenshot({ path: screenshotPath('cost-graph'), fullPage: true });

      // A step's details: the latest attempt's model, tokens and cost, and what all its attempts cost.
      await step(page, 'draft').click();
      const details = page.getByRole('region', { name: 'Details of draft' });
      await details.waitFor();
      expect(await shownUnder(details, 'Model').first().textContent()).toBe('house-model');
      expect(await shownUnder(details, 'Tokens').first().textContent()).toBe(
        '250,000 in · 10 out · 250,010 total',
      );
      expect(await shownUnder(details, 'Cost').first().textContent()).toBe('$0.25');
      expect(await shownUnder(details, 'Cost of all attempts').textContent()).toBe('$0.50');
      await page.screenshot({ path: screenshotPath('cost-step-details'), fullPage: true });
      await page.close();
    } finally {
      cli.child.kill('SIGINT');
      await cli.done;
    }
  });
});
