// The loop in Conductor, as a user runs it: a `set` step routed back to itself until N, the event log
// on (each step's events in the file before the next step starts). Imports the built engine.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseWorkflow, runWorkflow } from '../../packages/engine/dist/index.js';
import { loopSource } from '../engine-loop.mjs';

/** Runs `steps` steps in a fresh CONDUCTOR_HOME at `home`; returns { ms, persisted }. */
export async function runConductor(steps, home) {
  const source = loopSource(steps);
  const workflow = parseWorkflow(source, { path: join(home, 'bench-loop.yaml') });
  const started = process.hrtime.bigint();
  const result = await runWorkflow(workflow, { env: { ...process.env, CONDUCTOR_HOME: home } });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 'completed' || result.output?.n !== steps)
    throw new Error(`conductor ended ${result.status} with ${JSON.stringify(result.output)}`);
  rmSync(join(home, 'runs'), { recursive: true, force: true });
  return { ms, persisted: result.lastSeq };
}
