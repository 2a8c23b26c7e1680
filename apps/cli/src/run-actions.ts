import { rm } from 'node:fs/promises';
import type { RunActions, RunCatalog, RunListEntry } from '@conductor/dashboard';
import { folderCatalog, RunActionError } from '@conductor/dashboard';
import { processState, readOwner, readRunRecord, recordedProcess, runDir } from '@conductor/run-folder';
import { startDetached } from './background.js';
import { UsageError } from './errors.js';
import { whyNotRunning } from './not-running.js';

/**
 * What `conductor dashboard` lets the page do, and the `runs`, `stop`, `delete` and `gate` commands do
 * in the terminal: the same functions. Each says what it did in a sentence, or throws RunActionError.
 */
export function runActions(env: NodeJS.ProcessEnv, home: string, catalog: RunCatalog): Required<RunActions> {
  async function entryOf(runId: string): Promise<RunListEntry> {
    const entry = (await catalog.list()).find((run) => run.run_id === runId);
    if (!entry) throw new RunActionError(404, 'CONDUCTOR_NOT_FOUND', `no run "${runId}" in ${home}`);
    return entry;
  }
  return {
    async resume(runId) {
      const entry = await entryOf(runId);
      if (!entry.resumable) {
        throw new RunActionError(409, 'CONDUCTOR_CONFLICT', `run ${runId} cannot be resumed: ${entry.why}`);
      }
      // Its own process, which claims the run and serves a dashboard (so its gates can be answered from
      // here), closed as soon as the run ends.
      const started = await startDetached(env, ['resume', '--run', runId], '0');
      if ('exitCode' in started) {
        const last = started.output.trim().split('\n').at(-1) ?? '';
        throw new RunActionError(
          409,
          'CONDUCTOR_CONFLICT',
          `the resume of run ${runId} exited (code ${started.exitCode}) before it started: ${last} (output: ${started.outputPath})`,
        );
      }
      return `resuming run ${runId} in process ${started.pid}; its output: ${started.outputPath}`;
    },
    async stop(runId) {
      const pid = await signalOwner(runId, home);
      return `asked run ${runId} (process ${pid}) to stop with a checkpoint`;
    },
    async answerGate(runId, step, value, additionalInput) {
      const record = await readRunRecord(runId, { home }).catch(() => null);
      const owner = await readOwner(runId, { home });
      const serving =
        record?.dashboard && owner?.state === 'alive' && processState(recordedProcess(record)) === 'alive';
      if (!record?.dashboard || !serving) {
        throw new RunActionError(
          409,
          'CONDUCTOR_CONFLICT',
          `run ${runId} has no dashboard to answer its gate through: answer it in the terminal it runs in, or run it with --web`,
        );
      }
      // The owner's own dashboard holds the gate; its URL (in run.json, readable by this user only) carries its token.
      const url = new URL(record.dashboard.url);
      const token = url.searchParams.get('token');
      const response = await fetch(new URL('api/gate', url), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({
          step,
          value,
          ...(additionalInput === null ? {} : { additional_input: additionalInput }),
        }),
      });
      if (!response.ok) {
        const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
        throw new RunActionError(
          response.status === 400 ? 400 : 409,
          response.status === 400 ? 'CONDUCTOR_BAD_REQUEST' : 'CONDUCTOR_CONFLICT',
          `run ${runId}: ${body?.error?.message ?? `its dashboard answered ${response.status}`}`,
        );
      }
      return `answered "${value}" at ${step} of run ${runId}`;
    },
    async delete(runId) {
      const entry = await entryOf(runId);
      if (!entry.deletable) {
        throw new RunActionError(
          409,
          'CONDUCTOR_CONFLICT',
          `run ${runId} is running (${entry.why}): stop it first`,
        );
      }
      await rm(runDir(runId, home), { recursive: true, force: true });
      return `deleted run ${runId} (its log, checkpoints and outputs)`;
    },
  };
}

/** Sends SIGINT (what Ctrl-C does) to the live process that owns the run; returns its pid. */
export async function signalOwner(runId: string, home: string): Promise<number> {
  const owner = await readOwner(runId, { home });
  if (owner?.state !== 'alive') {
    const why = await whyNotRunning(runId, home, owner);
    throw new RunActionError(409, 'CONDUCTOR_CONFLICT', `run ${runId} is not running here (${why}).`);
  }
  const { pid } = owner.claim.owner;
  process.kill(pid, 'SIGINT');
  return pid;
}

/**
 * The run `runId` of `home` for a command on it (`gate`, `delete`): its entry in the run list (a usage
 * error when there is none) and `act`, which runs one of its actions and reports a refusal as a usage
 * error (exit 2), as the run browser reports it as an HTTP error.
 */
export async function commandRun(env: NodeJS.ProcessEnv, home: string, runId: string) {
  const catalog = folderCatalog({ home });
  const run = (await catalog.list()).find((entry) => entry.run_id === runId);
  if (!run) throw new UsageError(`no run "${runId}" in ${home}. \`conductor runs\` lists them.`);
  const actions = runActions(env, home, catalog);
  const act = async (action: (on: Required<RunActions>) => Promise<string>): Promise<string> => {
    try {
      return await action(actions);
    } catch (error) {
      if (error instanceof RunActionError) throw new UsageError(error.message);
      throw error;
    }
  };
  return { run, act };
}
