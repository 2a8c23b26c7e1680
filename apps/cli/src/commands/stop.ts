import { readRunRecord } from '@conductor/engine';
import { conductorHome } from '@conductor/event-log';
import { UsageError } from '../errors.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { isAlive, runningRuns } from './status.js';

export interface StopOptions {
  timeout?: string;
}

/**
 * `conductor stop [run-id]`: asks a running run to stop with a checkpoint (SIGINT to its process, the
 * same as Ctrl-C in its terminal) and waits until it has.
 */
export async function stopCommand(runId: string | undefined, options: StopOptions): Promise<ExitCodeValue> {
  const timeoutSeconds = Number(options.timeout ?? '60');
  if (!(timeoutSeconds > 0)) {
    throw new UsageError(
      `--timeout "${options.timeout}" is not a number of seconds above 0, e.g. --timeout 120.`,
    );
  }
  const home = conductorHome(process.env);
  let target = runId ? await readRunRecord(runId, { home }) : null;
  if (runId && !target)
    throw new UsageError(`no run "${runId}" in ${home}. \`conductor status --all\` lists runs.`);
  if (!runId) {
    const running = (await runningRuns()).filter((r) => r.status === 'running');
    if (running.length === 0) throw new UsageError('no running run to stop (`conductor status` lists them).');
    if (running.length > 1) {
      throw new UsageError(
        `${running.length} runs are running; say which: ${running.map((r) => `conductor stop ${r.run_id}`).join(', ')}`,
      );
    }
    target = running[0] ?? null;
  }
  if (!target) return ExitCode.Invalid;
  if (target.status !== 'running' || !isAlive(target.pid)) {
    throw new UsageError(`run ${target.run_id} is not running (status: ${target.status}).`);
  }
  process.kill(target.pid as number, 'SIGINT');
  process.stderr.write(
    `asked run ${target.run_id} (pid ${target.pid}) to stop; waiting for its checkpoint...\n`,
  );
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const record = await readRunRecord(target.run_id, { home });
    if (record && record.status !== 'running') {
      const checkpoint = record.last_checkpoint_path;
      process.stderr.write(
        `run ${target.run_id} stopped (${record.status})${checkpoint ? `\ncheckpoint: ${checkpoint}\ncontinue with: conductor resume --run ${target.run_id}` : ''}\n`,
      );
      return ExitCode.Success;
    }
    if (!isAlive(target.pid)) {
      process.stderr.write(`run ${target.run_id}: its process has exited\n`);
      return ExitCode.Success;
    }
    if (Date.now() > deadline) {
      process.stderr.write(
        `run ${target.run_id} did not stop within the timeout; it may be finishing a step.\n`,
      );
      return ExitCode.RunFailed;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
