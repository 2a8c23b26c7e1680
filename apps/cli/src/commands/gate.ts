import { conductorHome } from '@conductor/event-log';
import { UsageError } from '../errors.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import type { CommandIo } from '../io.js';

export interface GateCommandOptions {
  step?: string;
  text?: string;
}

/**
 * `conductor gate <run-id> <value>`: answers the gate a run waits at, through the dashboard of the process
 * that runs it (a run started with --web, --web-bg, or resumed from `conductor dashboard`).
 */
export async function gateCommand(
  io: CommandIo,
  runId: string,
  value: string,
  options: GateCommandOptions,
): Promise<ExitCodeValue> {
  const home = conductorHome(io.env);
  const { folderCatalog, RunActionError } = await import('@conductor/dashboard');
  const { runActions } = await import('../run-actions.js');
  const catalog = folderCatalog({ home });
  const run = (await catalog.list()).find((entry) => entry.run_id === runId);
  if (!run) throw new UsageError(`no run "${runId}" in ${home}. \`conductor runs\` lists them.`);
  const step = options.step ?? run.gate;
  if (!step) throw new UsageError(`run ${runId} is not waiting at a gate (${run.why}).`);
  try {
    io.stderr.write(
      `${await runActions(io.env, home, catalog).answerGate(runId, step, value, options.text ?? null)}\n`,
    );
  } catch (error) {
    if (error instanceof RunActionError) throw new UsageError(error.message);
    throw error;
  }
  return ExitCode.Success;
}
