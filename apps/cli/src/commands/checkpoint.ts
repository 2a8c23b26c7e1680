import { resolve } from 'node:path';
import { listCheckpoints } from '@conductor/checkpoint';
import { conductorHome } from '@conductor/event-log';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import type { CommandIo } from '../io.js';
import { listOriginalCheckpoints, originalCheckpointsFor } from '../original-files.js';
import { formatAge, table } from '../table.js';

export interface CheckpointListOptions {
  json?: boolean;
  quiet?: boolean;
}

/**
 * `conductor checkpoint list [workflow]`: the checkpoint files, newest first, whatever their run's status
 * (a completed run keeps its last ones; a run killed before its first checkpoint has none): this
 * conductor's (under $CONDUCTOR_HOME/runs) and the original conductor's (in $TMPDIR/conductor/checkpoints).
 * What can be resumed is `conductor runs`.
 */
export async function checkpointListCommand(
  io: CommandIo,
  workflow: string | undefined,
  options: CheckpointListOptions,
): Promise<ExitCodeValue> {
  const home = conductorHome(io.env);
  const ours = await listCheckpoints({ home });
  const original = await listOriginalCheckpoints(io.env);
  const wanted = workflow ? resolve(workflow) : null;
  const mine = wanted ? ours.checkpoints.filter((c) => c.workflow_path === wanted) : ours.checkpoints;
  const theirs = workflow ? await originalCheckpointsFor(workflow, original) : original.checkpoints;
  const shown = [
    ...mine.map((c) => ({ ...c, location: 'conductor' as const })),
    ...theirs.map((c) => ({ ...c, location: 'original' as const })),
  ].sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));
  const lookedIn = `looked in ${resolve(home, 'runs')} and ${original.dir} (the original conductor's)`;
  if (options.json) {
    io.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
  } else if (shown.length === 0) {
    io.stderr.write(
      `no checkpoint files${workflow ? ` for ${workflow}` : ''}: ${lookedIn} (\`conductor runs\` lists every run, checkpointed or not)\n`,
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
    if (!options.quiet) io.stderr.write(`${lookedIn}\n`);
  }
  for (const bad of [...ours.unreadable, ...original.unreadable]) {
    io.stderr.write(`warning: unreadable checkpoint ${bad.path}: ${bad.error.message}\n`);
  }
  return ExitCode.Success;
}
