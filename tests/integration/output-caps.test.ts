import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchChromium, repoRoot, screenshotPath } from './support/chromium.js';
import { runCli, startCli, tempDir } from './support/cli.js';
import { runStatus, step } from './support/page.js';

// A script printing 8 MB through the real `conductor` binary: the log keeps a head under the cap, the
// run folder keeps all of it, /api/state stays small, and the page offers the whole.
const WORKFLOW = join(repoRoot, 'tests/integration/fixtures/big-stdout.yaml');
const LINES = 80_000;
const CAP = 50_000;

/** What the fixture's script prints for `count` lines. */
function expectedStdout(count: number): Buffer {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) lines.push(`${`line ${i}`.padEnd(99, '.')}\n`);
  return Buffer.from(lines.join(''));
}
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

interface Spill {
  ref: string;
  path: string;
  bytes: number;
  sha256: string;
}

const hasChromium = chromiumPath() !== null;

describe('output caps through the conductor binary', () => {
  let browser: Browser | undefined;
  beforeAll(async () => {
    if (hasChromium) browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('an 8 MB stdout: a log line under the cap, the whole in the run folder, a small /api/state, the whole in the page', async () => {
    const home = tempDir();
    const expected = expectedStdout(LINES);
    const cli = startCli(['run', WORKFLOW, '--web-port', '0'], home, { STDOUT_LINES: String(LINES) });
    try {
      const [, url] = await cli.waitFor(/dashboard: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/);
      await cli.waitFor(/completed run/);
      const [runId] = readdirSync(join(home, 'runs'));
      const runFolder = join(home, 'runs', runId as string);

      // The log: one line per event; the script's completion holds a head, not 8 MB (and not twice).
      const lines = readFileSync(join(runFolder, 'events.jsonl'), 'utf8').trimEnd().split('\n');
      const line = lines.find((l) => l.includes('"type":"script_completed"')) as string;
      expect(Buffer.byteLength(line)).toBeLessThan(CAP);
      const data = JSON.parse(line).data as Record<string, unknown>;
      expect(data).not.toHaveProperty('output');
      expect(data.stdout).toBe(expected.subarray(0, CAP / 2).toString());

      // The whole, byte for byte, in runs/<id>/outputs.
      const spill = (data.spills as Record<string, Spill>).stdout as Spill;
      expect(spill.path).toBe(join(runFolder, 'outputs', spill.ref));
      expect(statSync(spill.path).size).toBe(expected.length);
      expect(spill).toMatchObject({ bytes: expected.length, sha256: sha256(expected) });
      expect(sha256(readFileSync(spill.path))).toBe(sha256(expected));

      const base = new URL(url as string);
      const headers = { authorization: `Bearer ${base.searchParams.get('token')}` };
      const state = await fetch(new URL('/api/state', base), { headers });
      const stateText = await state.text();
      expect(Buffer.byteLength(stateText)).toBeLessThan(100 * 1024);
      const big = JSON.parse(stateText).state.steps.big.attempts[0];
      expect(big.spills.stdout).toMatchObject({ ref: spill.ref, bytes: expected.length });
      const stored = await fetch(new URL(`/api/outputs/${spill.ref}`, base), { headers });
      expect(sha256(Buffer.from(await stored.arrayBuffer()))).toBe(sha256(expected));

      if (browser) {
        const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
        await page.goto(url as string);
        await runStatus(page, 'Completed').waitFor();
        await step(page, 'big').click();
        const note = page.getByRole('region', { name: 'Stored stdout' });
        await note.waitFor();
        expect(await note.textContent()).toContain('stdout is 8.0 MB');
        expect(await page.getByRole('region', { name: 'Output of big' }).textContent()).toContain('line 0.');
        await page.screenshot({ path: screenshotPath('output-cap-details'), fullPage: true });
        const [download] = await Promise.all([
          page.waitForEvent('download'),
          note.getByRole('button', { name: 'Download the whole stdout' }).click(),
        ]);
        expect(download.suggestedFilename()).toBe('big.stdout.txt');
        expect(sha256(readFileSync(await download.path()))).toBe(sha256(expected));
        await page.close();
      }
    } finally {
      cli.child.kill('SIGINT');
    }
    const result = await cli.done;
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toBe(expected.length);
  });

  it('refuses a workflow file over 2 MiB with exit code 2, naming the file, its size and the limit', async () => {
    const home = tempDir();
    const path = join(home, 'huge.yaml');
    writeFileSync(path, readFileSync(WORKFLOW));
    truncateSync(path, 3 * 1024 * 1024);
    for (const command of ['run', 'validate']) {
      const result = await runCli([command, path], home);
      expect(result.code, command).toBe(2);
      expect(result.stderr).toMatch(
        /huge\.yaml is 3,145,728 bytes \(3 MiB\), over the limit of 2,097,152 bytes/,
      );
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('takes the cap from --max-output-chars, and refuses one below 1000 before running', async () => {
    const home = tempDir();
    const result = await runCli(['run', WORKFLOW, '--max-output-chars', '2000'], home, {
      STDOUT_LINES: '100',
    });
    expect(result.code, result.stderr).toBe(0);
    const [runId] = readdirSync(join(home, 'runs'));
    const log = readFileSync(join(home, 'runs', runId as string, 'events.jsonl'), 'utf8');
    const completed = log.split('\n').find((l) => l.includes('"type":"script_completed"')) as string;
    expect(JSON.parse(completed).data.stdout).toHaveLength(1000);

    const refused = await runCli(['run', WORKFLOW, '--max-output-chars', '999'], tempDir());
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--max-output-chars "999" is not a usable cap');
  });
});
