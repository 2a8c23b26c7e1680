// First paint: the time from opening a 100,000-event run's dashboard in Chromium (headless, the system's
// /usr/bin/chromium through playwright-core) to its steps being shown (the last step's button reads
// "Completed"), against the floor measured in the same run: reading the log and JSON.parse of each line.
// The dashboard serves the built UI from this process; everything stays on 127.0.0.1.
// `node bench/first-paint.mjs [events]` after `pnpm build`, or `import { run }` (bench/run.mjs).
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { writeLog } from './dashboard-resume.mjs';

const dist = (name) => new URL(`../packages/${name}/dist/index.js`, import.meta.url).href;
const CHROMIUM = [process.env.CONDUCTOR_CHROMIUM, '/usr/bin/chromium'].find((p) => p && existsSync(p));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function readAndParse(path) {
  const start = performance.now();
  let rest = '';
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) if (line) JSON.parse(line);
  }
  return performance.now() - start;
}

/** Returns `{ name, figures }` entries. */
export async function run({ events = 100_000, rounds = 3 } = {}) {
  if (!CHROMIUM) return [{ name: 'first paint: skipped (no Chromium)', figures: {} }];
  const home = await mkdtemp(join(tmpdir(), 'conductor-bench-paint-'));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  try {
    const { eventLogPath } = await import(dist('event-log'));
    const { jsonlStore, startDashboard } = await import(dist('dashboard'));
    const path = eventLogPath('bench-run', home);
    await writeLog(path, events);
    const paints = [];
    const floors = [];
    for (let round = 0; round < rounds; round++) {
      floors.push(await readAndParse(path));
      // A fresh dashboard each round: its fold of the history is part of what the user waits for.
      const start = performance.now();
      const running = await startDashboard({ history: jsonlStore(path), token: 'bench' });
      const page = await browser.newPage();
      await page.goto(running.url);
      await page.getByRole('button', { name: /^step-50: Completed[.,]/ }).waitFor({ timeout: 60_000 });
      paints.push(performance.now() - start);
      await page.close();
      await running.close();
    }
    const paint = median(paints);
    const floor = median(floors);
    return [
      {
        name: `first paint: a ${events.toLocaleString('en')}-event run's dashboard in Chromium, median of ${rounds}`,
        figures: {
          'start → steps shown (goal < 1 s)': `${(paint / 1000).toFixed(2)} s`,
          'floor: read + JSON.parse': `${(floor / 1000).toFixed(2)} s`,
          'ratio to the floor': `${(paint / floor).toFixed(1)}×`,
        },
      },
    ];
  } finally {
    await browser.close();
    await rm(home, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const entry of await run({ events: Number(process.argv[2] ?? 100_000) })) {
    console.log(entry.name);
    for (const [key, value] of Object.entries(entry.figures)) console.log(`  ${key.padEnd(34)} ${value}`);
  }
}
