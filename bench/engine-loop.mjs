// The step loop: N `set` steps routed back to themselves, the event log on (each step's events in the
// file before the next step starts), as a user runs it. For each N, in a fresh process each time:
//   first run   the process's first run after loading the engine (what one `conductor run` pays);
//   warm run    a later run in the same process (a server or a script running many workflows).
// Median of the rounds. Prints µs per step, the fixed cost (N = 1) and the ratios.
//   node bench/engine-loop.mjs [rounds]         after `pnpm build`, or `import { run }` (bench/run.mjs)
//   BENCH_STEPS=10000 node bench/engine-loop.mjs  one N, one round, printed as before
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = fileURLToPath(import.meta.url);
const SIZES = [1, 1_000, 10_000, 20_000];

/** The loop's workflow: also the one bench/peers runs for Conductor, so both measure the same thing. */
export const loopSource = (steps) => `
workflow:
  name: bench-loop
  entry_point: count
  limits:
    max_iterations: ${steps + 1}
agents:
  - name: count
    type: set
    values:
      n: "{{ context.iteration }}"
    routes:
      - to: count
        when: context.iteration < ${steps}
      - to: $end
output:
  n: "{{ count.output.n }}"
`;

/** One run of `steps` steps in a fresh CONDUCTOR_HOME; resolves with its seconds and events. */
async function once(engine, steps) {
  const home = mkdtempSync(join(tmpdir(), 'conductor-bench-'));
  try {
    const workflow = engine.parseWorkflow(loopSource(steps), { path: join(home, 'bench-loop.yaml') });
    const started = process.hrtime.bigint();
    const result = await engine.runWorkflow(workflow, { env: { ...process.env, CONDUCTOR_HOME: home } });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (result.status !== 'completed' || result.output?.n !== steps)
      throw new Error(
        `bench run ${result.status}: ${result.error?.message ?? JSON.stringify(result.output)}`,
      );
    return { seconds, events: result.lastSeq };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** In a child process: a first run, then warm runs; prints `{ first, warm }` seconds as JSON. */
async function child(steps) {
  const engine = await import('../packages/engine/dist/index.js');
  const first = await once(engine, steps);
  const warm = [];
  for (let i = 0; i < 3; i++) warm.push((await once(engine, steps)).seconds);
  process.stdout.write(
    `${JSON.stringify({ first: first.seconds, warm: median(warm), events: first.events })}\n`,
  );
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const micro = (seconds, steps) => Math.round(((seconds * 1e6) / steps) * 10) / 10;

export async function run({ rounds = 3 } = {}) {
  const rows = {};
  for (let round = 0; round < rounds; round++) {
    for (const steps of SIZES) {
      const out = execFileSync(process.execPath, [here, '--child', String(steps)], { encoding: 'utf8' });
      const result = JSON.parse(out.trim().split('\n').at(-1));
      rows[steps] ??= { first: [], warm: [], events: result.events };
      rows[steps].first.push(result.first);
      rows[steps].warm.push(result.warm);
    }
  }
  const figures = {};
  for (const steps of SIZES) {
    const first = median(rows[steps].first);
    const warm = median(rows[steps].warm);
    figures[`N=${steps} first run`] =
      steps === 1 ? `${(first * 1000).toFixed(1)} ms` : `${micro(first, steps)} µs/step`;
    figures[`N=${steps} warm run`] =
      steps === 1 ? `${(warm * 1000).toFixed(1)} ms` : `${micro(warm, steps)} µs/step`;
  }
  const ratio = (kind) =>
    (micro(median(rows[1000][kind]), 1000) / micro(median(rows[20000][kind]), 20000)).toFixed(2);
  figures['N=1,000 / N=20,000 first'] = `${ratio('first')}× (goal ≤ 1.5×)`;
  figures['N=1,000 / N=20,000 warm'] = `${ratio('warm')}× (goal ≤ 1.5×)`;
  figures['events per step'] = (rows[10000].events - 2) / 10000;
  return { name: `engine: a loop of N set steps, log on (median of ${rounds} processes)`, figures };
}

const main = import.meta.url === pathToFileURL(process.argv[1]).href;
if (main && process.argv[2] === '--child') await child(Number(process.argv[3]));
else if (main) {
  if (process.env.BENCH_STEPS) {
    const steps = Number(process.env.BENCH_STEPS);
    const { seconds, events } = await once(await import('../packages/engine/dist/index.js'), steps);
    console.log({
      name: `engine: ${steps}-step loop of set steps`,
      figures: {
        steps,
        events,
        seconds: Math.round(seconds * 1000) / 1000,
        'µs/step': micro(seconds, steps),
      },
    });
  } else {
    const report = await run({ rounds: Number(process.argv[2] ?? 3) });
    console.log(report.name);
    for (const [key, value] of Object.entries(report.figures)) console.log(`  ${key.padEnd(28)} ${value}`);
  }
}
