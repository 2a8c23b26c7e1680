// Steps and events per second for a 10,000-step loop of `set` steps, with the event log on (as a user runs).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseWorkflow, runWorkflow } from '../packages/engine/dist/index.js';

const STEPS = Number(process.env.BENCH_STEPS ?? 10_000);
const source = `
workflow:
  name: bench-loop
  entry_point: count
  limits:
    max_iterations: ${STEPS + 1}
agents:
  - name: count
    type: set
    values:
      n: "{{ context.iteration }}"
    routes:
      - to: count
        when: context.iteration < ${STEPS}
      - to: $end
output:
  n: "{{ count.output.n }}"
`;

export async function run() {
  const home = mkdtempSync(join(tmpdir(), 'conductor-bench-'));
  try {
    const workflow = parseWorkflow(source, { path: join(home, 'bench-loop.yaml') });
    const started = process.hrtime.bigint();
    const result = await runWorkflow(workflow, { env: { ...process.env, CONDUCTOR_HOME: home } });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (result.status !== 'completed')
      throw new Error(`bench run ${result.status}: ${result.error?.message}`);
    return {
      name: 'engine: 10,000-step loop of set steps',
      figures: {
        steps: STEPS,
        events: result.lastSeq,
        seconds: round(seconds),
        'steps/s': Math.round(STEPS / seconds),
        'events/s': Math.round(result.lastSeq / seconds),
      },
    };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

const round = (n) => Math.round(n * 1000) / 1000;

if (import.meta.url === pathToFileURL(process.argv[1]).href) console.log(await run());
