import { conductorHome } from '@conductor/event-log';
import type { ExitCodeValue } from '../exit-codes.js';
import { ExitCode } from '../exit-codes.js';
import type { CommandIo } from '../io.js';
import { runActions } from '../run-actions.js';
import { parsePort, portError } from '../web.js';

export interface DashboardCommandOptions {
  port?: string;
  open?: boolean;
}

/**
 * `conductor dashboard`: every run under $CONDUCTOR_HOME on one local server that stays up until Ctrl-C:
 * the run list, each run's view at /runs/<id>/, and resume, stop, gate answers and delete from the page.
 */
export async function dashboardCommand(
  io: CommandIo,
  options: DashboardCommandOptions,
): Promise<ExitCodeValue> {
  const port = parsePort(options.port, '--port');
  const home = conductorHome(io.env);
  const { folderCatalog, startRunsDashboard } = await import('@conductor/dashboard');
  const catalog = folderCatalog({ home });
  const server = await startRunsDashboard({
    catalog,
    actions: runActions(io.env, home, catalog),
    port,
    host: '127.0.0.1',
  }).catch((error: unknown) => {
    throw portError(port, error, '--port');
  });
  io.stdout.write(`${server.url}\n`);
  io.stderr.write(`every run in ${home}; press Ctrl-C to exit\n`);
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
  return ExitCode.Success;
}
