import { setTimeout as delay } from 'node:timers/promises';
import { RunActionError } from '@conductor/dashboard';
import { conductorHome, readOwner, readRunRecord } from '@conductor/run-folder';
import { UsageError } from '../errors.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import type { CommandIo } from '../io.js';
import { signalOwner } from '../run-actions.js';
import { runViews } from './status.js';

export interface StopOptions {
  timeout?: string;
}

/**
 * `conductor stop [run-id]`: asks the process that owns a run to stop it with a checkpoint (SIGINT,
 * the same as Ctrl-C in its terminal) and waits until it has let go of the run.
 */
export async function stopCommand(
  io: CommandIo,
  runId: string | undefined,
  options: StopOptions,
): Promise<ExitCodeValue> {
  const timeoutSeconds = Number(options.timeout ?? '60');
  if (!(timeoutSeconds > 0)) {
    throw new UsageError(
      `--timeout "${options.timeout}" is not a number of seconds above 0, e.g. --timeout 120.`,
    );
  }
  const home = conductorHome(io.env);
  let target = runId;
  if (target === undefined) {
    const running = (await runViews(io)).filter((view) => view.running);
    if (running.length === 0) throw new UsageError('no running run to stop (`conductor status` lists them).');
    if (running.length > 1) {
      throw new UsageError(
        `${running.length} runs are running; say which: ${running.map((v) => `conductor stop ${v.record.run_id}`).join(', ')}`,
      );
    }
    target = running[0]?.record.run_id as string;
  } else if (!(await readRunRecord(target, { home })) && !(await readOwner(target, { home }))) {
    throw new UsageError(`no run "${target}" in ${home}. \`conductor status --all\` lists runs.`);
  }
  const owner = await readOwner(target, { home });
  if (owner?.state !== 'alive') {
    // The run ended, but the process that ran it may still serve its dashboard (`--web-bg` lingers):
    // closing that is what is left to stop.
    const lingering = (await runViews(io)).find((view) => view.record.run_id === target && view.dashboardUp);
    if (lingering) {
      process.kill(lingering.record.pid, 'SIGTERM');
      io.stderr.write(
        `run ${target} had ended (${lingering.record.status}); closed its dashboard (pid ${lingering.record.pid})\n`,
      );
      return ExitCode.Success;
    }
  }
  let pid: number;
  try {
    pid = await signalOwner(target, home);
  } catch (error) {
    if (error instanceof RunActionError) throw new UsageError(error.message);
    throw error;
  }
  io.stderr.write(`asked run ${target} (pid ${pid}) to stop; waiting for its checkpoint...\n`);
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const now = await readOwner(target, { home });
    if (!now || now.claim.generation !== owner?.claim.generation || now.state !== 'alive') {
      const record = await readRunRecord(target, { home }).catch(() => null);
      const checkpoint = record?.last_checkpoint_path;
      io.stderr.write(
        now?.state === 'dead'
          ? `run ${target}: its process exited without ending the run\n`
          : `run ${target} stopped (${record?.status ?? 'ended'})${checkpoint ? `\ncheckpoint: ${checkpoint}\ncontinue with: conductor resume --run ${target}` : ''}\n`,
      );
      return ExitCode.Success;
    }
    if (Date.now() > deadline) {
      io.stderr.write(`run ${target} did not stop within the timeout; it may be finishing a step.\n`);
      return ExitCode.RunFailed;
    }
    await delay(100);
  }
}
