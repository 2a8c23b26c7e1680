import { conductorHome } from '@conductor/event-log';
import { filesStore, type RunStore, redactStoreUrl, StoreSpecError } from '@conductor/store';

/**
 * The one place a store is chosen: `--store`, else CONDUCTOR_STORE, else none (the files under
 * `$CONDUCTOR_HOME`). The PostgreSQL store is a package of its own, loaded only when asked for, so a
 * default install never loads `pg`. Everything after this sees a RunStore.
 */
export async function openSharedStore(
  env: NodeJS.ProcessEnv,
  spec: string | undefined = env.CONDUCTOR_STORE,
): Promise<RunStore | null> {
  if (spec === undefined || spec === '') return null;
  if (/^postgres(ql)?:\/\//.test(spec)) {
    const { postgresStore } = await import('@conductor/store-postgres');
    // CONDUCTOR_LEASE_SECONDS: how long a dead owner's run waits before another may take it over.
    const seconds = Number(env.CONDUCTOR_LEASE_SECONDS);
    return postgresStore(spec, Number.isFinite(seconds) && seconds > 0 ? { leaseTtlMs: seconds * 1000 } : {});
  }
  throw new StoreSpecError(redactStoreUrl(spec), 'not a store this conductor knows');
}

/** The shared store if one is named, else the files store of `$CONDUCTOR_HOME`. */
export async function openStore(env: NodeJS.ProcessEnv, spec?: string): Promise<RunStore> {
  return (await openSharedStore(env, spec)) ?? filesStore({ home: conductorHome(env) });
}

/** Runs `task` with the store named (or none), closing it after. */
export async function withSharedStore<T>(
  env: NodeJS.ProcessEnv,
  spec: string | undefined,
  task: (store: RunStore | null) => Promise<T>,
): Promise<T> {
  const store = await openSharedStore(env, spec);
  try {
    return await task(store);
  } finally {
    await store?.close();
  }
}
