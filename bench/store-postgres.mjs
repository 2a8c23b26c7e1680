// The PostgreSQL store against the files store, and workers on it:
//   - events/s appended at step boundaries (20 events a step, one append a step) by each store;
//   - runs per minute with 1, 2 and 4 workers (`conductor worker`, each its own process and home);
//   - time from a worker's kill -9 to its run continuing on another worker (workflow_resumed stored).
// On CONDUCTOR_BENCH_PG (a server's URL) when set, else on a throwaway server (scripts/pg-server.mjs).
// `node bench/store-postgres.mjs` after `pnpm build`, or `import { run }` (bench/run.mjs).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startPgServer } from '../scripts/pg-server.mjs';

const { filesStore } = await import('../packages/store/dist/index.js');
const { postgresStore } = await import('../packages/store-postgres/dist/index.js');
const cli = fileURLToPath(new URL('../apps/cli/bin/conductor.js', import.meta.url));

const STEP_EVENTS = 20;

function event(seq) {
  return {
    seq,
    type: 'agent_message',
    timestamp: 1_732_170_000 + seq / 10,
    data: { agent_name: 'coder', content: `the diff adds a retry to charge() but never caps it ${seq}` },
  };
}

async function appendRate(store, steps) {
  const lease = await store.claim(`bench-${randomBytes(4).toString('hex')}`, { purpose: 'bench' });
  const started = performance.now();
  for (let step = 0; step < steps; step++) {
    const batch = Array.from({ length: STEP_EVENTS }, (_, i) => event(step * STEP_EVENTS + i + 1));
    await store.append(lease, batch);
  }
  const seconds = (performance.now() - started) / 1000;
  await lease.release();
  return {
    eventsPerSecond: Math.round((steps * STEP_EVENTS) / seconds),
    stepsPerSecond: Math.round(steps / seconds),
  };
}

const withSchema = (base) => {
  const url = new URL(base);
  url.searchParams.set('schema', `bench_${randomBytes(4).toString('hex')}`);
  return url.toString();
};

function startWorker(url, env = {}) {
  return mkdtemp(join(tmpdir(), 'conductor-bench-worker-')).then((home) => {
    const child = spawn(process.execPath, [cli, 'worker', '--store', url], {
      env: { ...process.env, CONDUCTOR_HOME: home, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      log += chunk;
    });
    return { child, home, log: () => log };
  });
}

async function until(check, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('benchmark timed out');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const QUICK = `workflow:
  name: quick
  entry_point: a
agents:
  - { name: a, type: set, value: 1, routes: [{ to: b }] }
  - { name: b, type: set, value: 2, routes: [{ to: c }] }
  - { name: c, type: script, command: node, args: ["-e", "console.log('{}')"] }
`;

async function runsPerMinute(base, workers, runs) {
  const url = withSchema(base);
  const dir = await mkdtemp(join(tmpdir(), 'conductor-bench-'));
  const workflow = join(dir, 'quick.yaml');
  await writeFile(workflow, QUICK);
  const pool = await Promise.all(Array.from({ length: workers }, () => startWorker(url)));
  const store = postgresStore(url);
  try {
    await until(() => pool.every((w) => w.log().includes('taking runs')));
    const ids = Array.from({ length: runs }, (_, i) => `rpm-${workers}-${i}`);
    const started = performance.now();
    const { queue } = { queue: await store.openQueue() };
    for (const runId of ids) await queue.submit({ action: 'run', runId, workflowPath: workflow, inputs: {} });
    await queue.stop();
    await until(async () => {
      const records = await store.listRuns();
      return records.filter((r) => r.status === 'completed').length === runs;
    });
    const minutes = (performance.now() - started) / 60_000;
    return Math.round(runs / minutes);
  } finally {
    for (const w of pool) w.child.kill('SIGKILL');
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function failover(base, trials) {
  const url = withSchema(base);
  const dir = await mkdtemp(join(tmpdir(), 'conductor-bench-'));
  const store = postgresStore(url);
  const env = { CONDUCTOR_LEASE_SECONDS: '2' };
  let pool = await Promise.all([startWorker(url, env), startWorker(url, env)]);
  const gaps = [];
  try {
    await until(() => pool.every((w) => w.log().includes('taking runs')));
    for (let trial = 0; trial < trials; trial++) {
      const trace = join(dir, `trace-${trial}`);
      await writeFile(trace, '');
      const workflow = join(dir, `slow-${trial}.yaml`);
      await writeFile(
        workflow,
        `workflow:
  name: slow
  entry_point: a
agents:
  - { name: a, type: set, value: 1, routes: [{ to: b }] }
  - name: b
    type: script
    command: sh
    args: ["-c", "echo b >> ${trace}; sleep 1; echo '{}'"]
`,
      );
      const runId = `failover-${trial}`;
      const queue = await store.openQueue();
      await queue.submit({ action: 'run', runId, workflowPath: workflow, inputs: {} });
      await queue.stop();
      await until(async () => (await readFile(trace, 'utf8')).includes('b'));
      const owner = pool.find((w) => w.log().includes(`run ${runId}`)) ?? pool[0];
      owner.child.kill('SIGKILL');
      const killed = performance.now();
      await until(async () => {
        const page = await store.readPage(runId, { limit: 10_000 });
        return page.events.some((e) => e.type === 'workflow_resumed');
      });
      gaps.push(performance.now() - killed);
      await until(async () => (await store.readRunRecord(runId))?.status === 'completed');
      pool = [...pool.filter((w) => w !== owner), await startWorker(url, env)];
      await until(() => pool.every((w) => w.log().includes('taking runs')));
    }
  } finally {
    for (const w of pool) w.child.kill('SIGKILL');
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
  gaps.sort((a, b) => a - b);
  return { median: Math.round(gaps[Math.floor(gaps.length / 2)]), max: Math.round(gaps.at(-1)) };
}

export async function run({ steps = 500, runs = 12, trials = 3 } = {}) {
  const server = process.env.CONDUCTOR_BENCH_PG
    ? { url: process.env.CONDUCTOR_BENCH_PG, stop: async () => {} }
    : await startPgServer();
  const home = await mkdtemp(join(tmpdir(), 'conductor-bench-home-'));
  try {
    const files = filesStore({ home });
    const pg = postgresStore(withSchema(server.url));
    await pg.migrate();
    const filesRate = await appendRate(files, steps);
    const pgRate = await appendRate(pg, steps);
    await files.close();
    await pg.close();
    const rpm = {};
    for (const workers of [1, 2, 4]) rpm[workers] = await runsPerMinute(server.url, workers, runs);
    const gap = await failover(server.url, trials);
    return [
      {
        name: `appends at step boundaries (${STEP_EVENTS} events a step, ${steps} steps, one append a step)`,
        figures: {
          'files events/s': filesRate.eventsPerSecond,
          'postgres events/s': pgRate.eventsPerSecond,
          'postgres steps/s': pgRate.stepsPerSecond,
        },
      },
      {
        name: `runs per minute (${runs} runs of a 3-step workflow, conductor worker processes)`,
        figures: { '1 worker': rpm[1], '2 workers': rpm[2], '4 workers': rpm[4] },
      },
      {
        name: `worker kill -9 → run continued on another worker (lease 2 s, ${trials} trials)`,
        figures: { 'median ms': gap.median, 'max ms': gap.max },
      },
    ];
  } finally {
    await rm(home, { recursive: true, force: true });
    await server.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const entry of await run()) {
    console.log(entry.name);
    for (const [key, value] of Object.entries(entry.figures)) console.log(`  ${key.padEnd(22)} ${value}`);
  }
}
