import { conductorHome } from '@conductor/event-log';
import { UsageError } from '../errors.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import type { CommandIo } from '../io.js';

export interface DeleteOptions {
  yes?: boolean;
}

/** `conductor delete <run-id>`: removes a run nobody runs (its folder: log, checkpoints, outputs), after asking. */
export async function deleteCommand(
  io: CommandIo,
  runId: string,
  options: DeleteOptions,
): Promise<ExitCodeValue> {
  const home = conductorHome(io.env);
  const { commandRun } = await import('../run-actions.js');
  const { run, act } = await commandRun(io.env, home, runId);
  if (!options.yes) {
    if (!io.stdin.isTTY) {
      throw new UsageError(`deleting run ${runId} needs a confirmation: add --yes (no terminal to ask in).`);
    }
    const { default: confirm } = await import('@inquirer/confirm');
    const sure = await confirm(
      {
        message: `Delete run ${runId} (${run.workflow ?? 'workflow'}, ${run.status}) with its log and checkpoints?`,
        default: false,
      },
      { input: io.stdin, output: io.stderr },
    );
    if (!sure) {
      io.stderr.write('nothing deleted\n');
      return ExitCode.Success;
    }
  }
  io.stderr.write(`${await act((actions) => actions.delete(runId))}\n`);
  return ExitCode.Success;
}
