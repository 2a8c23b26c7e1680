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
  const { folderCatalog, RunActionError } = await import('@conductor/dashboard');
  const { runActions } = await import('../run-actions.js');
  const catalog = folderCatalog({ home });
  const run = (await catalog.list()).find((entry) => entry.run_id === runId);
  if (!run) throw new UsageError(`no run "${runId}" in ${home}. \`conductor runs\` lists them.`);
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
  try {
    io.stderr.write(`${await runActions(io.env, home, catalog).delete(runId)}\n`);
  } catch (error) {
    if (error instanceof RunActionError) throw new UsageError(error.message);
    throw error;
  }
  return ExitCode.Success;
}
