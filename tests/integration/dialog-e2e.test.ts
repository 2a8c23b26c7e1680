import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { chromiumPath, launchChromium, screenshotPath } from './support/chromium.js';
import { startCli, tempDir } from './support/cli.js';
import { runStatus } from './support/page.js';

// An agent's dialog held in a real browser: the run has no terminal, so its dashboard is where the user
// talks. The page shows the agent's question, takes the user's answers, shows the agent's reply, and
// "Done" lets the step run again with the conversation; the dialog stays in the activity history.

const hasChromium = chromiumPath() !== null;
if (!hasChromium && process.env.CI)
  throw new Error('CI needs Chromium for the browser test (scripts/ensure-chromium.mjs)');

/** An agent step with a dialog (the mock answers below decide what it says). */
const WORKFLOW = readFileSync(new URL('./fixtures/dialog-trip.yaml', import.meta.url), 'utf8');

const RESPONSES = `
plan:
  - output: { itinerary: "Lyon, some day" }
  - output: { itinerary: "Lyon from 3 May" }
"plan (dialog evaluator)":
  output: { trigger: true, reason: no dates, question: "Which dates do you travel?" }
"plan (dialog)":
  text: "Noted, from 3 May. Anything else?"
`;

function loggedEvents(home: string): Array<{ type: string; data: Record<string, unknown> }> {
  const [runId] = readdirSync(join(home, 'runs'));
  const log = join(home, 'runs', runId as string, 'events.jsonl');
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

function setup() {
  const home = tempDir('conductor-dialog-web-');
  const workflow = join(home, 'trip.yaml');
  const responses = join(home, 'trip.responses.yaml');
  writeFileSync(workflow, WORKFLOW);
  writeFileSync(responses, RESPONSES);
  return { home, args: [workflow, '--mock-responses', responses, '--web-port', '0'] };
}

const DASHBOARD = /dashboard: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/;

/** Ctrl-C ends a dashboard that stays up after its run; waits until conductor has exited. */
async function endDashboard(cli: ReturnType<typeof startCli>) {
  cli.child.kill('SIGINT');
  await vi.waitFor(
    () => {
      if (cli.child.exitCode === null && cli.child.signalCode === null)
        throw new Error(`conductor has not exited after SIGINT:\n${cli.output()}`);
    },
    { timeout: 30_000 },
  );
  return cli.done;
}

describe.skipIf(!hasChromium)('a dialog in the dashboard', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('the user answers the agent in the page and ends the dialog; the run goes on with the conversation', async () => {
    const { home, args } = setup();
    const cli = startCli(['run', ...args], home);
    try {
      const [, url] = await cli.waitFor(DASHBOARD);
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      await page.goto(url as string);

      const panel = page.getByRole('region', { name: 'Dialog with plan' });
      await panel.getByText('plan wants to talk').waitFor();
      await panel
        .getByRole('listitem', { name: 'plan says' })
        .filter({ hasText: 'Which dates do you travel?' })
        .waitFor();
      const box = panel.getByRole('textbox', { name: 'Your answer' });
      await box.fill('The 3rd of May');
      await panel.getByRole('button', { name: 'Send' }).click();
      await panel.getByRole('listitem', { name: 'You said' }).filter({ hasText: 'The 3rd of May' }).waitFor();
      await panel
        .getByRole('listitem', { name: 'plan says' })
        .filter({ hasText: 'Noted, from 3 May. Anything else?' })
        .waitFor();
      await expect.poll(() => box.isEnabled()).toBe(true);
      await page.screenshot({ path: screenshotPath('dialog-panel'), fullPage: true });

      await panel.getByRole('button', { name: 'Done' }).click();
      await runStatus(page, 'Completed').waitFor();
      await expect.poll(() => panel.count()).toBe(0);

      // The dialog is in the history: the activity stream has its messages, and so does a reload.
      const activity = page.getByRole('log', { name: 'Activity stream' });
      await activity.getByText('You: The 3rd of May').first().waitFor();
      await page.reload();
      await runStatus(page, 'Completed').waitFor();
      await activity.getByText('Dialog opened: Which dates do you travel?').first().waitFor();
      await activity.getByText('You: The 3rd of May').first().waitFor();
      await activity
        .getByText(/Dialog ended by you after 4 messages/)
        .first()
        .waitFor();
      await page.screenshot({ path: screenshotPath('dialog-history'), fullPage: true });
      await page.close();
    } finally {
      cli.child.kill('SIGINT');
    }
    const result = await cli.done;
    expect(result.code, cli.output()).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ itinerary: 'Lyon from 3 May' });
    const said = loggedEvents(home).filter((e) => e.type === 'dialog_message' && e.data.role === 'user');
    expect(said.map((e) => [e.data.content, e.data.answered_by])).toEqual([
      ['The 3rd of May', 'api'],
      ['done', 'api'],
    ]);
  });
  it('a run stopped in a dialog resumes with a new dialog; the stopped one stays in the history', async () => {
    const { home, args } = setup();
    const first = startCli(['run', ...args], home);
    try {
      const [, url] = await first.waitFor(DASHBOARD);
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      await page.goto(url as string);
      const panel = page.getByRole('region', { name: 'Dialog with plan' });
      await panel.getByRole('textbox', { name: 'Your answer' }).fill('The 3rd of May');
      await panel.getByRole('button', { name: 'Send' }).click();
      await panel.getByRole('listitem', { name: 'plan says' }).filter({ hasText: 'Noted' }).waitFor();
      await page.getByRole('button', { name: 'Stop', exact: true }).click();
      await page
        .getByRole('alertdialog', { name: 'Stop the run?' })
        .getByRole('button', { name: 'Stop run' })
        .click();
      await runStatus(page, 'Interrupted').waitFor();
      await expect.poll(() => panel.count()).toBe(0);
      await page.close();
    } finally {
      await endDashboard(first);
    }
    expect((await first.done).code).toBe(130);

    const resumed = startCli(['resume', ...args], home);
    try {
      const [, url] = await resumed.waitFor(DASHBOARD);
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      await page.goto(url as string);
      // The resumed step asks again, in a dialog of its own: only its opening question is in the panel.
      const panel = page.getByRole('region', { name: 'Dialog with plan' });
      await panel.getByRole('listitem', { name: 'plan says' }).first().waitFor();
      expect(await panel.getByRole('listitem').allTextContents()).toEqual(['planWhich dates do you travel?']);
      // The stopped dialog is in the history, before the resume.
      const activity = page.getByRole('log', { name: 'Activity stream' });
      await expect
        .poll(() => activity.getByText('Dialog opened: Which dates do you travel?').count())
        .toBe(2);
      await activity.getByText('You: The 3rd of May').first().waitFor();
      await page.screenshot({ path: screenshotPath('dialog-resumed'), fullPage: true });
      await panel.getByRole('button', { name: 'Done' }).click();
      await runStatus(page, 'Completed').waitFor();
      await page.close();
    } finally {
      await endDashboard(resumed);
    }
    const result = await resumed.done;
    expect(result.code, resumed.output()).toBe(0);
    // "done" alone: the resumed step keeps its new answer.
    expect(JSON.parse(result.stdout)).toEqual({ itinerary: 'Lyon, some day' });
    const log = loggedEvents(home);
    const resumedAt = log.findIndex((e) => e.type === 'workflow_resumed');
    const said = log
      .map((e, i) => [e, i] as const)
      .filter(([e]) => e.type === 'dialog_message' && e.data.role === 'user')
      .map(([e, i]) => [e.data.content, i < resumedAt ? 'before resume' : 'after']);
    expect(said).toEqual([
      ['The 3rd of May', 'before resume'],
      ['done', 'after'],
    ]);
  });
});
