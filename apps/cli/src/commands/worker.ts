import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { loadWorkflow, resumeWorkflow, runWorkflow } from '@conductor/engine';
import type { RunJob, RunQueue, RunStore } from '@conductor/store';
import { UsageError } from '../errors.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { parseInputFlags } from '../inputs.js';
import type { CommandIo } from '../io.js';
import { openSharedStore } from '../store.js';

interface QueueOptions {
  store?: string;
  input?: string[];
  provider?: string;
  mockResponses?: string;
  concurrency?: string;
}

async function openQueue(
  io: CommandIo,
  spec: string | undefined,
): Promise<{ store: RunStore; queue: RunQueue }> {
  const store = await openSharedStore(io.env, spec);
  if (!store?.openQueue) {
    await store?.close();
    throw new UsageError(
      'workers share a queue in a shared store: give --store postgres://user@host/db or set CONDUCTOR_STORE.',
    );
  }
  return { store, queue: await store.openQueue() };
}

function newRunId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

/** `conductor submit <workflow>`: queues a run for any worker; prints its run id. */
export async function submitCommand(
  io: CommandIo,
  path: string,
  options: QueueOptions,
): Promise<ExitCodeValue> {
  const inputs = parseInputFlags(options.input ?? []);
  const workflowPath = resolve(path);
  // Checked here, so a broken workflow is reported to the person who submits it, not to a worker.
  await loadWorkflow(workflowPath, { env: io.env });
  const { store, queue } = await openQueue(io, options.store);
  try {
    const runId = io.env.CONDUCTOR_RUN_ID || newRunId();
    await queue.submit({
      action: 'run',
      runId,
      workflowPath,
      inputs,
      ...(options.provider ? { provider: options.provider } : {}),
      ...(options.mockResponses ? { mockResponses: resolve(options.mockResponses) } : {}),
    });
    io.stdout.write(`${runId}\n`);
    return ExitCode.Success;
  } finally {
    await queue.stop();
    await store.close();
  }
}

/**
 * `conductor worker`: takes queued runs, `--concurrency` at once, until SIGINT/SIGTERM. Gates are
 * answered with their first option (nobody is at a worker's terminal).
 */
export async function workerCommand(io: CommandIo, options: QueueOptions): Promise<ExitCodeValue> {
  const concurrency = Number(options.concurrency ?? '1');
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new UsageError(`--concurrency ${options.concurrency}: give a whole number from 1 to 64.`);
  }
  const { store, queue } = await openQueue(io, options.store);
  const say = (line: string) => io.stderr.write(`worker ${process.pid}: ${line}\n`);

  async function handle(job: RunJob): Promise<void> {
    const common = {
      env: io.env,
      store,
      skipGates: true,
      ...((job.provider ?? options.provider) ? { provider: job.provider ?? options.provider } : {}),
      ...((job.mockResponses ?? options.mockResponses)
        ? { mockResponses: job.mockResponses ?? options.mockResponses }
        : {}),
    };
    try {
      say(`${job.action} ${job.runId}`);
      const run =
        job.action === 'run' && !(await store.readRunRecord(job.runId))
          ? runWorkflow(await loadWorkflow(String(job.workflowPath), { env: io.env }), {
              ...common,
              runId: job.runId,
              inputs: job.inputs ?? {},
            })
          : resumeWorkflow({ ...common, runId: job.runId });
      const result = await run.result;
      say(`${job.runId} ${result.status}`);
    } catch (error) {
      // Owned by another worker, completed meanwhile, or failed to start: the job is done either way;
      // a run that failed waits for a person, as on one machine.
      const code = (error as { code?: string }).code ?? 'error';
      say(`${job.runId} not run here: ${code}: ${(error as Error).message}`);
    }
  }

  await queue.work(concurrency, handle);
  say(`taking runs from ${store.location} (${concurrency} at once)`);
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await queue.stop();
  await store.close();
  return ExitCode.Success;
}
