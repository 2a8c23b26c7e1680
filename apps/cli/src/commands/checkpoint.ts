import { resolve } from 'node:path';
import { listCheckpoints } from '@conductor/checkpoint';
import { conductorHome } from '@conductor/event-log';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import type { CommandIo } from '../io.js';
import { formatAge, table } from '../table.js';

export interface CheckpointListOptions {
  json?: boolean;
}

/**
 * `conductor checkpoint list [workflow]`: the checkpoint files, newest first, whatever their run's status
 * (a completed run keeps its last ones; a run killed before its first checkpoint has none). What can be
 * resumed is `conductor runs`.
 */
export async function checkpointListCommand(
  io: CommandIo,
  workflow: string | undefined,
  options: CheckpointListOptions,
): Promise<ExitCodeValue> {
  const home = conductorHome(io.env);
  const { checkpoints, unreadable } = await listCheckpoints({ home });
  const wanted = workflow ? resolve(workflow) : null;
  const shown = wanted ? checkpoints.filter((c) => c.workflow_path === wanted) : checkpoints;
  if (options.json) {
    io.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
  } else if (shown.length === 0) {
    io.stderr.write(
      `no checkpoint files${workflow ? ` for ${workflow}` : ''} in ${home} (\`conductor runs\` lists every run, checkpointed or not)\n`,
    );
  } else {
    const now = Date.now();
    io.stdout.write(
      table(
        ['RUN', 'WORKFLOW', 'STEP', 'TRIGGER', 'AGE', 'CHECKPOINT'],
        shown.map((c) => [
          c.run_id,
          c.workflow_path,
          c.current_step,
          c.trigger,
          formatAge(now - Date.parse(c.created_at)),
          c.path,
        ]),
      ),
    );
  }
  for (const bad of unreadable) io.stderr.write(`warning: unreadable checkpoint ${bad.path}: ${bad.error}\n`);
  return ExitCode.Success;
}
