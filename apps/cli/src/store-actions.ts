import type { RunActions, RunCatalog, RunListEntry } from '@conductor/dashboard';
import { RunActionError } from '@conductor/dashboard';
import type { RunQueue, RunStore } from '@conductor/store';

export interface StoreRunActions extends Required<RunActions> {
  /** Stops the queue this process opened for resumes, if it did. */
  close(): Promise<void>;
}

/**
 * What `conductor dashboard --store` lets the page do to runs of a shared store, from any machine.
 * Resume queues a `resume` job for the store's workers (`conductor worker`), as `submit` queues a run;
 * delete removes a run nobody owns from the store. Stop and gate answers need the owner's own process,
 * which may be on another machine: they say where to do it instead.
 */
export function storeRunActions(store: RunStore, catalog: RunCatalog): StoreRunActions {
  let queue: Promise<RunQueue> | null = null;

  async function entryOf(runId: string): Promise<RunListEntry> {
    const entry = (await catalog.list()).find((run) => run.run_id === runId);
    if (!entry)
      throw new RunActionError(404, 'CONDUCTOR_NOT_FOUND', `no run "${runId}" in ${store.location}`);
    return entry;
  }

  function where(entry: RunListEntry): string {
    const owner = entry.owner;
    if (!owner) return 'where it runs';
    return `${owner.host ? `on host ${owner.host}` : 'on this machine'}, where process ${owner.pid} runs it`;
  }

  return {
    async resume(runId) {
      const entry = await entryOf(runId);
      if (!entry.resumable) {
        throw new RunActionError(409, 'CONDUCTOR_CONFLICT', `run ${runId} cannot be resumed: ${entry.why}`);
      }
      if (!store.openQueue) {
        throw new RunActionError(
          409,
          'CONDUCTOR_CONFLICT',
          `${store.location} has no run queue: resume run ${runId} with \`conductor resume --run ${runId}\``,
        );
      }
      const open = store.openQueue.bind(store);
      queue ??= open().catch((error: unknown) => {
        queue = null;
        throw error;
      });
      const id = await (await queue).submit({ action: 'resume', runId });
      if (id === null) {
        return `a resume of run ${runId} is already queued: the first free \`conductor worker\` of ${store.location} continues it`;
      }
      return `queued a resume of run ${runId}: the first free \`conductor worker\` of ${store.location} continues it (none running? start one: \`conductor worker --store …\`)`;
    },
    async stop(runId) {
      const entry = await entryOf(runId);
      if (entry.status !== 'running') {
        throw new RunActionError(409, 'CONDUCTOR_CONFLICT', `run ${runId} is not running (${entry.why}).`);
      }
      throw new RunActionError(
        409,
        'CONDUCTOR_CONFLICT',
        `run ${runId} cannot be stopped through the store: stop it ${where(entry)} (Ctrl-C in its terminal, or \`conductor stop ${runId}\` there; a worker's run stops with its worker, and another worker continues it).`,
      );
    },
    async answerGate(runId) {
      const entry = await entryOf(runId);
      throw new RunActionError(
        409,
        'CONDUCTOR_CONFLICT',
        `run ${runId}'s gate cannot be answered through the store: answer it ${where(entry)} (its terminal, or the dashboard of its process); runs of workers answer gates with their first option.`,
      );
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
      try {
        await store.deleteRun(runId);
      } catch (error) {
        if ((error as { code?: string }).code === 'CONDUCTOR_RUN_OWNED') {
          throw new RunActionError(409, 'CONDUCTOR_CONFLICT', (error as Error).message);
        }
        throw error;
      }
      return `deleted run ${runId} from ${store.location} (its events, checkpoints and record)`;
    },
    async close() {
      const open = queue;
      queue = null;
      await (await open?.catch(() => null))?.stop();
    },
  };
}
