// A dashboard following a log that another writer appends to (no bus: as for a run in another process):
//   latency  from one event appended to its arrival on a /ws client, one event at a time (median, p95),
//            with the folder watched, and with polling alone (every 250 ms);
//   burst    N events appended as fast as the writer can: time until the client has them all, events/s.
// `node bench/dashboard-follow.mjs [events]` after `pnpm build`, or `import { run }` (bench/run.mjs).
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const dist = (name) => new URL(`../packages/${name}/dist/index.js`, import.meta.url).href;
const { openEventLog } = await import(dist('event-log'));
const { jsonlStore, startDashboard } = await import(dist('dashboard'));
// The dashboard's own `ws` (the bench folder has no dependencies of its own).
const WebSocket = createRequire(new URL('../packages/dashboard/package.json', import.meta.url))('ws');

const event = (seq) => ({
  seq,
  type: 'agent_message',
  timestamp: Date.now() / 1000,
  data: { agent_name: 'coder', content: `token ${seq} of a streamed answer` },
});

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))];
}

/** A dashboard on a fresh log, a writer, and a socket client that resolves waiters by seq. */
async function setup(dir, storeOptions) {
  const path = join(dir, `${Math.random().toString(36).slice(2)}.jsonl`);
  const writer = await openEventLog(path);
  writer.append({ seq: 1, type: 'workflow_started', timestamp: Date.now() / 1000, data: { name: 'bench' } });
  const running = await startDashboard({
    history: jsonlStore(path, storeOptions),
    token: 'bench',
    uiDir: false,
  });
  await running.dashboard.ready;
  const ws = new WebSocket(`ws://127.0.0.1:${running.port}/ws?after=1&token=bench`);
  await new Promise((resolve) => ws.once('open', resolve));
  let last = 1;
  const waiters = new Map();
  ws.on('message', (data) => {
    last = JSON.parse(String(data)).seq;
    const wake = waiters.get(last);
    if (wake) {
      waiters.delete(last);
      wake();
    }
  });
  const arrived = (seq) =>
    last >= seq ? Promise.resolve() : new Promise((resolve) => waiters.set(seq, resolve));
  const close = async () => {
    ws.close();
    await running.close();
    await writer.close();
  };
  return { writer, arrived, close };
}

async function latency(dir, storeOptions, count) {
  const { writer, arrived, close } = await setup(dir, storeOptions);
  const times = [];
  for (let seq = 2; seq < count + 2; seq++) {
    const start = performance.now();
    writer.append(event(seq));
    await arrived(seq);
    times.push(performance.now() - start);
  }
  await close();
  return { median: percentile(times, 0.5), p95: percentile(times, 0.95) };
}

async function burst(dir, count) {
  const { writer, arrived, close } = await setup(dir, {});
  const start = performance.now();
  for (let seq = 2; seq < count + 2; seq++) {
    writer.append(event(seq));
    // Yield now and then, as a run does between steps and tokens.
    if (seq % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  const writtenMs = performance.now() - start;
  await arrived(count + 1);
  const ms = performance.now() - start;
  await close();
  return { writtenMs, ms };
}

/** Returns `{ name, figures }` entries. */
export async function run({ events = 100_000 } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'conductor-bench-follow-'));
  try {
    const watched = await latency(dir, {}, 200);
    const polled = await latency(dir, { watch: false }, 20);
    const flood = await burst(dir, events);
    return [
      {
        name: 'dashboard following a log written by another writer (no bus)',
        figures: {
          'latency, watched (median)': `${watched.median.toFixed(2)} ms`,
          'latency, watched (p95)': `${watched.p95.toFixed(2)} ms`,
          'latency, polling (median)': `${polled.median.toFixed(1)} ms`,
          'latency, polling (p95)': `${polled.p95.toFixed(1)} ms`,
          'burst events': events.toLocaleString('en-US'),
          'burst written in': `${flood.writtenMs.toFixed(0)} ms`,
          'burst all on the socket': `${flood.ms.toFixed(0)} ms`,
          'burst throughput': `${Math.round(events / (flood.ms / 1000)).toLocaleString('en-US')} events/s`,
        },
      },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const events = Number(process.argv[2] ?? 100_000);
  for (const entry of await run({ events })) {
    console.log(entry.name);
    for (const [key, value] of Object.entries(entry.figures)) console.log(`  ${key.padEnd(28)} ${value}`);
  }
}
