import { conductorHome } from '@conductor/event-log';
import type { ExitCodeValue } from '../exit-codes.js';
import { ExitCode } from '../exit-codes.js';
import type { CommandIo } from '../io.js';
import { runActions } from '../run-actions.js';
import { openSharedStore } from '../store.js';
import { parsePort, portError } from '../web.js';

export interface DashboardCommandOptions {
  port?: string;
  open?: boolean;
  store?: string;
}

/**
 * `conductor dashboard`: every run under $CONDUCTOR_HOME (or of the shared store named by --store or
 * CONDUCTOR_STORE) on one local server that stays up until Ctrl-C: the run list, each run's view at
 * /runs/<id>/, and resume, stop, gate answers and delete from the page.
 */
export async function dashboardCommand(
  io: CommandIo,
  options: DashboardCommandOptions,
): Promise<ExitCodeValue> {
  const port = parsePort(options.port, '--port');
  const home = conductorHome(io.env);
  const { folderCatalog, startRunsDashboard, storeCatalog } = await import('@conductor/dashboard');
  // A shared store (--store, CONDUCTOR_STORE): every machine's runs, resumed by queueing them for workers.
  const store = await openSharedStore(io.env, options.store);
  const catalog = store ? storeCatalog(store) : folderCatalog({ home });
  const storeActions = store ? (await import('../store-actions.js')).storeRunActions(store, catalog) : null;
  const server = await startRunsDashboard({
    catalog,
    actions: storeActions ?? runActions(io.env, home, catalog),
    port,
    host: '127.0.0.1',
  }).catch(async (error: unknown) => {
    await store?.close();
    throw portError(port, error, '--port');
  });
  io.stdout.write(`${server.url}\n`);
  io.stderr.write(`every run in ${store?.location ?? home}; press Ctrl-C to exit\n`);
  if (options.open) {
    const { default: open } = await import('open');
    await open(server.url).catch((error: unknown) => {
      io.stderr.write(`could not open a browser (${String(error)}); open the URL above\n`);
    });
  }
  await new Promise<void>((resolve) => {
    const finish = () => {
      process.off('SIGINT', finish);
      process.off('SIGTERM', finish);
      resolve();
    };
    process.on('SIGINT', finish);
    process.on('SIGTERM', finish);
  });
  await server.close();
  await storeActions?.close();
  await store?.close();
  return ExitCode.Success;
}
