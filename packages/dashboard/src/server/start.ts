import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { createDashboard, type Dashboard, type DashboardOptions } from './dashboard.js';

export interface StartDashboardOptions extends DashboardOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Address to bind. Default 127.0.0.1: only this machine can connect. */
  host?: string;
}

export interface RunningDashboard {
  /** The URL to open, token included: `http://127.0.0.1:<port>/?token=...`. */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly token: string | null;
  readonly dashboard: Dashboard;
  readonly server: Server;
  /** Closes sockets and the server. */
  close(): Promise<void>;
}

/** Creates a dashboard and serves it on its own HTTP server. Resolves once the server listens. */
export async function startDashboard(options: StartDashboardOptions): Promise<RunningDashboard> {
  const host = options.host ?? '127.0.0.1';
  const dashboard = createDashboard(options);
  const server = createServer(getRequestListener(dashboard.app.fetch));
  dashboard.attachWebSocket(server, { exclusive: true });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    // Nothing listens (port taken, not allowed): stop following the run too.
    await dashboard.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const base = options.basePath?.replace(/\/+$/, '') ?? '';
  const url = `http://${urlHost}:${port}${base}/${dashboard.token ? `?token=${encodeURIComponent(dashboard.token)}` : ''}`;
  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    host,
    token: dashboard.token,
    dashboard,
    server,
    close() {
      closing ??= (async () => {
        await dashboard.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}
