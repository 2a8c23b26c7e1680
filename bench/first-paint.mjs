// First paint: the time from opening a 100,000-event run's dashboard in Chromium (headless, the system's
// /usr/bin/chromium through playwright-core) to its steps being shown (the last step's button reads
// "Completed"), against the floor measured in the same run: reading the log and JSON.parse of each line.
//
// Timed from the dashboard's start, so the server's fold of the whole history is part of it (the
// worst case: the user opens the printed link at once), through a new tab, the page load and the
// UI's own work, to the button. Each round starts a fresh dashboard in its own child process, as
// `conductor dashboard` is one: its fold runs as cold as a user's, and it does not share an event
// loop with the browser's driver. The child has loaded its modules before the clock starts (that is
// the CLI's start-up, measured by cli-start.mjs). Everything stays on 127.0.0.1.
// `node bench/first-paint.mjs [events]` after `pnpm build`, or `import { run }` (bench/run.mjs).
import { fork } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { writeLog } from './dashboard-resume.mjs';

const here = fileURLToPath(import.meta.url);
const dist = (name) => new URL(`../packages/${name}/dist/index.js`, import.meta.url).href;
const CHROMIUM = [process.env.CONDUCTOR_CHROMIUM, '/usr/bin/chromium'].find((p) => p && existsSync(p));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;

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

/** The last step's node once it reads "Completed": the steps are shown. */
const SHOWN = /^step-50: Completed[.,]/;

/**
 * Runs in the page before its own scripts: notes the time (epoch ms) of the first frame that shows
 * the last step's node as completed, seen by watching the DOM, not by polling it.
 */
function markWhenShown() {
  const shown = () =>
    [...document.querySelectorAll('button[aria-label^="step-50: Completed"]')].some((button) =>
      /^step-50: Completed[.,]/.test(button.getAttribute('aria-label') ?? ''),
    );
  const observer = new MutationObserver(() => {
    if (!shown()) return;
    observer.disconnect();
    requestAnimationFrame(() => {
      window.__shownAt = performance.timeOrigin + performance.now();
    });
  });
  observer.observe(document, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ['aria-label'],
  });
}

/** The dashboard's process: loads the package, then starts the dashboard when told, and reports. */
async function serve() {
  const { jsonlStore, startDashboard } = await import(dist('dashboard'));
  process.on('message', async (message) => {
    if (message.type !== 'start') return;
    const start = performance.now();
    const running = await startDashboard({ history: jsonlStore(message.path), token: 'bench' });
    process.send({ type: 'url', url: running.url });
    await running.dashboard.ready;
    process.send({ type: 'ready', ms: performance.now() - start });
  });
  process.send({ type: 'loaded' });
}

/** A fresh dashboard process, once it has loaded its modules. */
async function dashboardProcess() {
  const child = fork(here, ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const messages = [];
  const waiting = [];
  child.on('message', (message) => {
    const at = waiting.findIndex((w) => w.type === message.type);
    if (at === -1) messages.push(message);
    else waiting.splice(at, 1)[0].resolve(message);
  });
  const next = (type) => {
    const at = messages.findIndex((m) => m.type === type);
    if (at !== -1) return Promise.resolve(messages.splice(at, 1)[0]);
    return new Promise((resolve, reject) => {
      waiting.push({ type, resolve });
      child.once('exit', (code) => reject(new Error(`the dashboard process exited (${code})`)));
    });
  };
  await next('loaded');
  return { child, next };
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
    const path = eventLogPath('bench-run', home);
    await writeLog(path, events);
    const paints = [];
    const folds = [];
    const floors = [];
    for (let round = 0; round < rounds; round++) {
      floors.push(await readAndParse(path));
      const { child, next } = await dashboardProcess();
      try {
        const start = performance.timeOrigin + performance.now();
        child.send({ type: 'start', path });
        const [{ url }, page] = await Promise.all([next('url'), browser.newPage()]);
        await page.addInitScript(markWhenShown);
        await page.goto(url);
        // The user's view of it: a button named so. Its time is the page's own mark, not when this
        // check (which polls at growing intervals, up to 500 ms apart) happened to look.
        await page.getByRole('button', { name: SHOWN }).waitFor({ timeout: 60_000 });
        const shownAt = await page.waitForFunction(() => window.__shownAt);
        paints.push((await shownAt.jsonValue()) - start);
        folds.push((await next('ready')).ms);
        await page.close();
      } finally {
        child.kill();
      }
    }
    const paint = median(paints);
    const floor = median(floors);
    return [
      {
        name: `first paint: a ${events.toLocaleString('en')}-event run's dashboard in Chromium, median of ${rounds}`,
        figures: {
          'start → steps shown (goal < 1 s)': seconds(paint),
          'of which: server start → history folded': seconds(median(folds)),
          'floor: read + JSON.parse': seconds(floor),
          'ratio to the floor': `${(paint / floor).toFixed(1)}×`,
          rounds: paints.map(seconds).join(', '),
        },
      },
    ];
  } finally {
    await browser.close();
    await rm(home, { recursive: true, force: true });
  }
}

if (process.argv.includes('--serve')) {
  await serve();
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const count = Number(process.argv.slice(2).find((arg) => /^\d+$/.test(arg)) ?? 100_000);
  const rounds = Number(process.env.ROUNDS ?? 3);
  for (const entry of await run({ events: count, rounds })) {
    console.log(entry.name);
    for (const [key, value] of Object.entries(entry.figures)) console.log(`  ${key.padEnd(42)} ${value}`);
  }
}
