// Fan-out: a run of ~100,000 events (a loop of `set` steps, 3 events each, the log on) with its dashboard
// in the same process, as `conductor run --web` serves it, and 100 WebSocket clients (batch=1, as the UI
// connects) in another process. Measured, each against a run without clients in the same sequence:
//   slowdown      the run's time with 100 clients / without (median of the rounds);
//   run CPU       the CPU time (user + system) of the run's process during the run, with clients and
//                 without: on a shared machine the wall-clock slowdown also counts other processes
//                 (the clients' among them) taking the cores, this only what the dashboard costs here;
//   last event    from the run's end until every client has its last event;
//   upgrade       a new client connecting mid-run: from the request to the answered upgrade.
// Bounded and local: 127.0.0.1 only, every client closed at the end.
// `node bench/dashboard-fanout.mjs [events] [clients]` after `pnpm build`, or `import { run }`.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = fileURLToPath(import.meta.url);
const dist = (name) => new URL(`../packages/${name}/dist/index.js`, import.meta.url).href;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** In the child: `clients` sockets; answers the parent's questions over IPC. */
async function clientsProcess() {
  const WebSocket = createRequire(new URL('../packages/dashboard/package.json', import.meta.url))('ws');
  const sockets = [];
  const lasts = [];
  let target = Number.POSITIVE_INFINITY;
  let waiting = null;
  const check = () => {
    if (waiting && lasts.every((seq) => seq >= target)) {
      waiting();
      waiting = null;
    }
  };
  let reconnects = 0;
  let closing = false;
  const open = (url, i) =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url.replace('after=0', `after=${lasts[i]}`));
      ws.on('message', (data) => {
        // Only the last event's seq, read from the frame's end: 100 clients in one process decoding or
        // parsing every frame would measure this process, not the server (each browser parses its own
        // frames on its own machine), and would take CPU from the run on a 2-core machine.
        const at = data.lastIndexOf('{"seq":');
        lasts[i] = Number(/^\{"seq":(\d+)/.exec(data.toString('latin1', at, at + 32))?.[1]);
        if (lasts[i] >= target) check();
      });
      // As the UI does: a closed socket (4001: too slow, catch up) reconnects after its last seq.
      ws.once('close', (code) => {
        if (closing || code !== 4001) return;
        reconnects++;
        open(url, i).then((next) => {
          sockets[i] = next;
        }, reject);
      });
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    });
  process.on('message', async (message) => {
    if (message.type === 'connect') {
      closing = true;
      for (const ws of sockets) ws.terminate();
      closing = false;
      sockets.length = 0;
      lasts.length = 0;
      target = Number.POSITIVE_INFINITY;
      for (let i = 0; i < message.clients; i++) {
        lasts.push(0);
        sockets.push(await open(message.url, i));
      }
      process.send({ type: 'connected' });
    } else if (message.type === 'late') {
      const start = performance.now();
      const ws = new WebSocket(message.url);
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      process.send({ type: 'late', ms: performance.now() - start });
      ws.terminate();
    } else if (message.type === 'until') {
      target = message.seq;
      // Bounded: a client that never gets there is reported, not waited for.
      const reached = await new Promise((resolve) => {
        waiting = () => resolve(true);
        setTimeout(() => resolve(false), 120_000).unref();
        check();
      });
      process.send({
        type: 'reached',
        reached,
        reconnects,
        behind: lasts.filter((seq) => seq < target).length,
      });
    } else if (message.type === 'close') {
      closing = true;
      for (const ws of sockets) ws.terminate();
      process.exit(0);
    }
  });
  process.send({ type: 'ready' });
}

function ask(child, message, answer) {
  return new Promise((resolve) => {
    const listener = (reply) => {
      if (reply.type !== answer) return;
      child.off('message', listener);
      resolve(reply);
    };
    child.on('message', listener);
    if (message) child.send(message);
  });
}

/** One run of `steps` steps with its dashboard; with `clients` sockets when `child` is given. */
async function oneRun(steps, child, clients) {
  const { parseWorkflow, runWorkflow } = await import(dist('engine'));
  const { eventLogPath } = await import(dist('event-log'));
  const { jsonlStore, startDashboard } = await import(dist('dashboard'));
  const home = mkdtempSync(join(tmpdir(), 'conductor-bench-fanout-'));
  try {
    const workflow = parseWorkflow(
      `workflow:\n  name: fanout\n  entry_point: count\n  limits:\n    max_iterations: ${steps + 1}\nagents:\n  - name: count\n    type: set\n    values:\n      n: "{{ context.iteration }}"\n    routes:\n      - to: count\n        when: context.iteration < ${steps}\n      - to: $end\n`,
      { path: join(home, 'fanout.yaml') },
    );
    const runId = `fanout-${Date.now()}`;
    const path = eventLogPath(runId, home);
    // The dashboard first (as the CLI serves it from the run's first event), then the clients, then the run.
    const { createEventBus } = await import(dist('events'));
    const bus = createEventBus();
    const dashboard = await startDashboard({
      history: jsonlStore(path),
      live: bus,
      token: 'bench',
      uiDir: false,
    });
    const url = `ws://127.0.0.1:${dashboard.port}/ws?after=0&batch=1&token=bench`;
    if (child) await ask(child, { type: 'connect', url, clients }, 'connected');
    let late = null;
    if (child) {
      // A newcomer once the run is well under way.
      const off = bus.subscribe((event) => {
        if (event.seq === Math.floor(steps * 1.5)) {
          off();
          late = ask(child, { type: 'late', url }, 'late');
        }
      });
    }
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const result = await runWorkflow(workflow, {
      runId,
      bus,
      env: { ...process.env, CONDUCTOR_HOME: home },
    });
    const ended = performance.now();
    const cpu = process.cpuUsage(cpuBefore);
    if (result.status !== 'completed') throw new Error(`fan-out run ${result.status}`);
    let lastMs = null;
    let reconnects = 0;
    if (child) {
      const reply = await ask(child, { type: 'until', seq: result.lastSeq }, 'reached');
      lastMs = reply.reached ? performance.now() - ended : Number.NaN;
      reconnects = reply.reconnects;
    }
    const lateMs = late ? (await late).ms : null;
    await dashboard.close();
    const cpuMs = (cpu.user + cpu.system) / 1000;
    return { runMs: ended - started, cpuMs, events: result.lastSeq, lastMs, lateMs, reconnects };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** Returns `{ name, figures }` entries. */
export async function run({ events = 100_000, clients = 100, rounds = 3 } = {}) {
  const steps = Math.ceil(events / 3);
  const child = fork(here, ['--clients'], { stdio: 'inherit' });
  await ask(child, null, 'ready');
  const alone = [];
  const loaded = [];
  try {
    // The rounds alternate, so a busy machine slows both alike.
    for (let round = 0; round < rounds; round++) {
      alone.push(await oneRun(steps, null, 0));
      loaded.push(await oneRun(steps, child, clients));
    }
  } finally {
    child.send({ type: 'close' });
  }
  const runAlone = median(alone.map((r) => r.runMs));
  const runLoaded = median(loaded.map((r) => r.runMs));
  return [
    {
      name: `dashboard fan-out: ${loaded[0].events.toLocaleString('en')} events, ${clients} clients (batch=1), median of ${rounds}`,
      figures: {
        'run alone (ms)': Math.round(runAlone),
        'run with clients (ms)': Math.round(runLoaded),
        'slowdown (goal ≤ 1.10×)': `${(runLoaded / runAlone).toFixed(2)}×`,
        'run CPU alone → with clients (ms)': `${Math.round(median(alone.map((r) => r.cpuMs)))} → ${Math.round(median(loaded.map((r) => r.cpuMs)))}`,
        'last event to all (goal ≤ 2 s)': `${(median(loaded.map((r) => r.lastMs)) / 1000).toFixed(2)} s`,
        'late upgrade (goal ≤ 1 s)': `${(median(loaded.map((r) => r.lateMs ?? Number.NaN)) / 1000).toFixed(3)} s`,
        'reconnects (4001, resumed)': loaded.map((r) => r.reconnects).join(', '),
        'late upgrade (worst)': `${(Math.max(...loaded.map((r) => r.lateMs ?? Number.NaN)) / 1000).toFixed(3)} s`,
      },
    },
  ];
}

if (process.argv.includes('--clients')) {
  await clientsProcess();
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const events = Number(process.argv[2] ?? 100_000);
  const clients = Number(process.argv[3] ?? 100);
  for (const entry of await run({ events, clients })) {
    console.log(entry.name);
    for (const [key, value] of Object.entries(entry.figures)) console.log(`  ${key.padEnd(32)} ${value}`);
  }
}
