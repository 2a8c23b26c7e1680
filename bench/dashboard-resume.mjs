// Opening the dashboard on a long run: writes a 1,000,000-event log (workflow_started, then ~50 agent
// steps of agent_started / many agent_message and tool calls / agent_completed) into a temp
// CONDUCTOR_HOME, then measures, each phase in its own child process so its peak RSS is its own:
//   read   just reading the file and JSON.parse of every line (the floor for any reader);
//   ready  from startDashboard() on that log until GET /api/state answers (the history fold);
//   state  GET /api/state latency once ready (median of 20; the seq index for paging is being built in
//          the background then), again once it is built, and its size;
//   page   GET /api/events?before=<last+1>&limit=200 (what the UI asks next), first and median;
// and the peak RSS (process.resourceUsage().maxRSS) of each.
// `node bench/dashboard-resume.mjs [events]` after `pnpm build`, or `import { run }` (bench/run.mjs).
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = fileURLToPath(import.meta.url);
const dist = (name) => new URL(`../packages/${name}/dist/index.js`, import.meta.url).href;

const STEPS = 50;
const AGENTS = ['planner', 'researcher', 'coder', 'reviewer', 'tester'];
const WORDS = [
  'the',
  'diff',
  'adds',
  'a',
  'retry',
  'to',
  'charge()',
  'but',
  'never',
  'caps',
  'attempts;',
  'tests',
  'pass',
];

function text(seed) {
  let content = '';
  for (let i = 0; content.length < 60; i++) content += `${WORDS[(seed + i * 7) % WORDS.length]} `;
  return content;
}

/** The events of a realistic run, seq 1..count. */
export function* runEvents(count) {
  const perStep = Math.floor((count - 1) / STEPS);
  const stamp = (seq) => 1_732_170_000 + seq / 1000;
  yield {
    seq: 1,
    type: 'workflow_started',
    timestamp: stamp(1),
    data: {
      name: 'bench',
      entry_point: 'step-1',
      agents: Array.from({ length: STEPS }, (_, i) => ({
        name: `step-${i + 1}`,
        type: 'agent',
        model: 'gpt-5',
      })),
      routes: Array.from({ length: STEPS - 1 }, (_, i) => ({ from: `step-${i + 1}`, to: `step-${i + 2}` })),
      run_id: 'bench-run',
    },
  };
  for (let seq = 2; seq <= count; seq++) {
    const i = seq - 2;
    const step = Math.min(STEPS - 1, Math.floor(i / perStep));
    const within = i - step * perStep;
    const last = step === STEPS - 1 ? count - 2 - step * perStep : perStep - 1;
    const agent_name = `step-${step + 1}`;
    const timestamp = stamp(seq);
    if (within === 0) {
      yield {
        seq,
        type: 'agent_started',
        timestamp,
        data: { agent_name, iteration: 1, agent_type: 'agent' },
      };
    } else if (within === last) {
      yield {
        seq,
        type: 'agent_completed',
        timestamp,
        data: {
          agent_name,
          elapsed: 12.5,
          model: 'gpt-5',
          tokens: 4200,
          output: { summary: `${AGENTS[step % 5]} finished` },
        },
      };
    } else if (within % 100 === 1) {
      yield {
        seq,
        type: 'agent_tool_start',
        timestamp,
        data: { agent_name, tool_name: 'read_file', arguments: { path: 'src/x.ts' } },
      };
    } else {
      yield { seq, type: 'agent_message', timestamp, data: { agent_name, content: text(seq) } };
    }
  }
}

export async function writeLog(path, count) {
  const { mkdir } = await import('node:fs/promises');
  await mkdir(join(path, '..'), { recursive: true });
  const out = createWriteStream(path);
  let chunk = '';
  for (const event of runEvents(count)) {
    chunk += `${JSON.stringify(event)}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise((resolve) => out.once('drain', resolve));
      chunk = '';
    }
  }
  out.write(chunk);
  await new Promise((resolve, reject) => out.end((error) => (error ? reject(error) : resolve())));
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const ms = (value) => Number(value.toFixed(1));
const mb = (kb) => Number((kb / 1024).toFixed(0));

/** Phase `read`: read the file and JSON.parse every line, nothing else. */
async function phaseRead(path) {
  const start = performance.now();
  let events = 0;
  let rest = '';
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      if (line) {
        JSON.parse(line);
        events++;
      }
    }
  }
  if (rest) {
    JSON.parse(rest);
    events++;
  }
  return { events, ms: performance.now() - start };
}

/** Phase `dashboard`: start the dashboard on the log; time /api/state and the first page. */
async function phaseDashboard(path) {
  const { startDashboard, jsonlStore } = await import(dist('dashboard'));
  const headers = { authorization: 'Bearer bench' };
  const start = performance.now();
  const running = await startDashboard({ history: jsonlStore(path), token: 'bench', uiDir: false });
  const first = await fetch(new URL('/api/state', running.url), { headers });
  const body = await first.text();
  const readyMs = performance.now() - start;
  const { last_seq } = JSON.parse(body);
  const stateTimes = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    await (await fetch(new URL('/api/state', running.url), { headers })).text();
    stateTimes.push(performance.now() - t);
  }
  const pageUrl = new URL(`/api/events?before=${last_seq + 1}&limit=200`, running.url);
  let t = performance.now();
  const page = JSON.parse(await (await fetch(pageUrl, { headers })).text());
  const firstPageMs = performance.now() - t;
  const pageTimes = [];
  for (let i = 0; i < 20; i++) {
    t = performance.now();
    await (await fetch(pageUrl, { headers })).text();
    pageTimes.push(performance.now() - t);
  }
  // Once the seq index is built, nothing else runs in the background.
  const settledTimes = [];
  for (let i = 0; i < 20; i++) {
    t = performance.now();
    await (await fetch(new URL('/api/state', running.url), { headers })).text();
    settledTimes.push(performance.now() - t);
  }
  const heapMb = process.memoryUsage().heapUsed / 1024 / 1024;
  await running.close();
  return {
    readyMs,
    lastSeq: last_seq,
    stateBytes: body.length,
    stateMedianMs: median(stateTimes),
    stateSettledMs: median(settledTimes),
    pageEvents: page.events.length,
    firstPageMs,
    pageMedianMs: median(pageTimes),
    heapMb,
  };
}

function inChild(phase, path) {
  const output = execFileSync(process.execPath, [here, `--phase=${phase}`, path], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  return JSON.parse(output.trim().split('\n').at(-1));
}

/** Runs the benchmark in a temp CONDUCTOR_HOME (removed afterwards); returns `{ name, figures }` entries. */
export async function run({ events = 1_000_000 } = {}) {
  const home = await mkdtemp(join(tmpdir(), 'conductor-bench-dashboard-'));
  try {
    const { eventLogPath } = await import(dist('event-log'));
    const path = eventLogPath('bench-run', home);
    const writeStart = performance.now();
    await writeLog(path, events);
    const writeMs = performance.now() - writeStart;
    const { size } = await stat(path);
    const read = inChild('read', path);
    const dash = inChild('dashboard', path);
    return [
      {
        name: `log: ${events.toLocaleString('en')} events, ${(size / 1e6).toFixed(0)} MB (written in ${(writeMs / 1000).toFixed(1)} s)`,
        figures: {
          '(a) read + JSON.parse (ms)': ms(read.ms),
          '(a) peak RSS (MB)': mb(read.maxRssKb),
          '(b) start → /api/state (ms)': ms(dash.readyMs),
          '(b) events folded': dash.lastSeq,
          '(c) /api/state median (ms)': ms(dash.stateMedianMs),
          '(c) same, index built (ms)': ms(dash.stateSettledMs),
          '(c) /api/state size (bytes)': dash.stateBytes,
          'page before=last first (ms)': ms(dash.firstPageMs),
          'page before=last median (ms)': ms(dash.pageMedianMs),
          '(d) dashboard peak RSS (MB)': mb(dash.maxRssKb),
          'dashboard heap after (MB)': Math.round(dash.heapMb),
        },
      },
    ];
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

const phaseArg = process.argv.find((arg) => arg.startsWith('--phase='));
if (phaseArg) {
  const phase = phaseArg.slice('--phase='.length);
  const path = process.argv[process.argv.indexOf(phaseArg) + 1];
  const result = phase === 'read' ? await phaseRead(path) : await phaseDashboard(path);
  process.stdout.write(`${JSON.stringify({ ...result, maxRssKb: process.resourceUsage().maxRSS })}\n`);
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const count = Number(process.argv[2] ?? 1_000_000);
  for (const entry of await run({ events: count })) {
    console.log(entry.name);
    for (const [key, value] of Object.entries(entry.figures)) console.log(`  ${key.padEnd(32)} ${value}`);
  }
}
