import { conductorHome } from '@conductor/event-log';
import { copyRun, filesStore, type RunStore } from '@conductor/store';
import { UsageError } from '../errors.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import type { CommandIo } from '../io.js';
import { withSharedStore } from '../store.js';

interface StoreOptions {
  store?: string;
  run?: string;
}

function need(store: RunStore | null): RunStore {
  if (!store) {
    throw new UsageError('no store named: give --store postgres://user@host/db or set CONDUCTOR_STORE.');
  }
  return store;
}

export function storeMigrateCommand(io: CommandIo, options: StoreOptions): Promise<ExitCodeValue> {
  return withSharedStore(io.env, options.store, async (shared) => {
    const store = need(shared);
    const { from, to } = await store.migrate();
    io.stdout.write(
      from === to
        ? `${store.location}: schema version ${to}, up to date\n`
        : `${store.location}: schema version ${from} → ${to}\n`,
    );
    return ExitCode.Success;
  });
}

/** Copies a run from one store to another under a lease of the target, so no owner writes meanwhile. */
async function copy(io: CommandIo, from: RunStore, to: RunStore, runId: string): Promise<ExitCodeValue> {
  if ((await from.lastSeq(runId)) === 0 && (await from.readRunRecord(runId)) === null) {
    throw new UsageError(`there is no run ${runId} in ${from.location}.`);
  }
  // The source is claimed too: a run that is running elsewhere is not copied half-way.
  const source = await from.claim(runId, { purpose: 'store copy' });
  try {
    const lease = await to.claim(runId, { purpose: 'store copy' });
    try {
      const copied = await copyRun(from, to, runId, lease);
      io.stdout.write(
        `run ${runId}: ${copied.events} events, ${copied.checkpoints} checkpoints${copied.record ? ' and its record' : ''} copied from ${from.location} to ${to.location}\n`,
      );
    } finally {
      await lease.release();
    }
  } finally {
    await source.release();
  }
  return ExitCode.Success;
}

export function storeImportCommand(io: CommandIo, options: StoreOptions): Promise<ExitCodeValue> {
  return withSharedStore(io.env, options.store, async (shared) => {
    const local = filesStore({ home: conductorHome(io.env) });
    try {
      return await copy(io, local, need(shared), String(options.run));
    } finally {
      await local.close();
    }
  });
}

export function storeExportCommand(io: CommandIo, options: StoreOptions): Promise<ExitCodeValue> {
  return withSharedStore(io.env, options.store, async (shared) => {
    const local = filesStore({ home: conductorHome(io.env) });
    try {
      return await copy(io, need(shared), local, String(options.run));
    } finally {
      await local.close();
    }
  });
}
