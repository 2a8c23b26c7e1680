import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { getRequestListener } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import * as v from 'valibot';
import type { DashboardErrorCode } from '../protocol.js';
import type { RunActionBody, RunListBody } from '../runs-protocol.js';
import { createDashboard, type Dashboard } from '../server/dashboard.js';
import { errorBody, jsonError } from '../server/errors.js';
import { createHostPolicy, createToken, guard } from '../server/security.js';
import { defaultUiDir, uiRoute } from '../server/static.js';
import type { RunCatalog } from './catalog.js';

/** What the page may do to a run; each resolves to a sentence for the user, or throws a RunActionError. */
export interface RunActions {
  /** Continue a failed, stopped or died run in a process of its own. */
  resume?(runId: string): Promise<string>;
  /** Ask the process that owns a running run to stop it with a checkpoint. */
  stop?(runId: string): Promise<string>;
  answerGate?(
    runId: string,
    step: string,
    value: string,
    additionalInput: string | Record<string, string> | null,
  ): Promise<string>;
  /** Remove a run nobody owns, with its log and checkpoints. */
  delete?(runId: string): Promise<string>;
}

/** An action refused for a reason the user can act on: answered with this status and code. */
export class RunActionError extends Error {
  readonly status: 400 | 404 | 409;
  readonly code: DashboardErrorCode;
  constructor(status: 400 | 404 | 409, code: DashboardErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RunActionError';
    this.status = status;
    this.code = code;
  }
}

export interface RunsDashboardOptions {
  catalog: RunCatalog;
  actions?: RunActions;
  /** Default: 32 random bytes. `false`: none (behind your own auth). */
  token?: string | false;
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1: only this machine can connect. */
  host?: string;
  /** The built UI; `false`: API only. */
  uiDir?: string | URL | false;
  onError?: (error: unknown) => void;
}

export interface RunningRunsDashboard {
  /** The run list's URL, token included. */
  readonly url: string;
  readonly port: number;
  readonly token: string | null;
  readonly server: Server;
  /** How many runs are open in a run view now (each follows its log). */
  openRuns(): number;
  close(): Promise<void>;
}

const GateBody = v.object({
  step: v.pipe(v.string(), v.minLength(1)),
  value: v.string(),
  additional_input: v.optional(v.nullable(v.union([v.string(), v.record(v.string(), v.string())]))),
});

const RUN_PATH = /^\/runs\/([A-Za-z0-9_-]{1,64})(\/.*)?$/;

/**
 * Every run of a catalog on one server: the run list at `/`, its API at `/api/runs`, and each run in
 * the run view at `/runs/<id>/` (a dashboard of that run, made when first opened, sharing the token).
 */
export async function startRunsDashboard(options: RunsDashboardOptions): Promise<RunningRunsDashboard> {
  const { catalog } = options;
  const actions = options.actions ?? {};
  const host = options.host ?? '127.0.0.1';
  const token = options.token === false ? null : (options.token ?? createToken());
  const onError = options.onError ?? ((error: unknown) => console.error('[conductor dashboard]', error));
  let port: number | null = null;
  const policy = createHostPolicy(undefined, () => port);
  const runs = new Map<string, Dashboard>();
  const uiDir =
    options.uiDir === false
      ? false
      : options.uiDir === undefined
        ? undefined
        : options.uiDir instanceof URL
          ? fileURLToPath(options.uiDir)
          : options.uiDir;

  /** The run's dashboard, made on first use; null when the catalog has no such run. */
  async function runDashboard(runId: string): Promise<Dashboard | null> {
    const open = runs.get(runId);
    if (open) return open;
    if (!(await catalog.has(runId))) return null;
    const again = runs.get(runId);
    if (again) return again;
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].map((name) => `${name}:${port}`);
    const dashboard = createDashboard({
      history: catalog.history(runId),
      ownership: catalog.ownership(runId),
      info: { runId, source: 'run', mode: 'live', runsUrl: '/' },
      basePath: `/runs/${runId}`,
      token: token ?? false,
      allowedHosts: loopback,
      ...(uiDir === undefined ? {} : { uiDir }),
      ...(catalog.outputsDir ? { outputsDir: catalog.outputsDir(runId) } : {}),
      onError,
    });
    runs.set(runId, dashboard);
    dashboard.ready.catch(onError);
    return dashboard;
  }

  async function forget(runId: string) {
    const dashboard = runs.get(runId);
    runs.delete(runId);
    await dashboard?.close();
  }

  const app = new Hono();
  guard(app, policy, token);
  app.get('/api/runs', async (c) => {
    const body: RunListBody = {
      runs: await catalog.list(),
      now: Date.now() / 1000,
      home: catalog.location,
      actions: {
        resume: Boolean(actions.resume),
        stop: Boolean(actions.stop),
        gate: Boolean(actions.answerGate),
        delete: Boolean(actions.delete),
      },
    };
    return c.json(body);
  });

  const act =
    (name: keyof RunActions, run: (runId: string, body: unknown) => Promise<string> | undefined) =>
    async (c: Context) => {
      const runId = c.req.param('id') ?? '';
      if (!actions[name]) {
        return jsonError(c, 501, 'CONDUCTOR_NO_CONTROL', `this server cannot ${name} runs`);
      }
      if (!(await catalog.has(runId))) return jsonError(c, 404, 'CONDUCTOR_NOT_FOUND', `no run "${runId}"`);
      let body: unknown = null;
      if (c.req.method === 'POST') {
        try {
          body = await c.req.json();
        } catch {
          return jsonError(c, 400, 'CONDUCTOR_BAD_REQUEST', 'the body must be JSON');
        }
      }
      try {
        const message = (await run(runId, body)) ?? '';
        if (name === 'delete') await forget(runId);
        return c.json({ ok: true, message } satisfies RunActionBody);
      } catch (error) {
        if (error instanceof RunActionError)
          return c.json(errorBody(error.code, error.message), error.status);
        throw error;
      }
    };
  app.post(
    '/api/runs/:id/resume',
    act('resume', (id) => actions.resume?.(id)),
  );
  app.post(
    '/api/runs/:id/stop',
    act('stop', (id) => actions.stop?.(id)),
  );
  app.post(
    '/api/runs/:id/gate',
    act('answerGate', (id, body) => {
      const parsed = v.safeParse(GateBody, body);
      if (!parsed.success) {
        throw new RunActionError(
          400,
          'CONDUCTOR_BAD_REQUEST',
          'the body must be {"step": "...", "value": "..."}',
        );
      }
      const { step, value, additional_input } = parsed.output;
      return actions.answerGate?.(id, step, value, additional_input ?? null);
    }),
  );
  app.delete(
    '/api/runs/:id',
    act('delete', (id) => actions.delete?.(id)),
  );
  app.all('/api/*', (c) =>
    jsonError(c, 404, 'CONDUCTOR_NOT_FOUND', `no such API route: ${c.req.method} ${c.req.path}`),
  );
  // A run's own page and API, under /runs/<id>/ (its relative asset URLs need the trailing slash).
  app.all('/runs/:id', (c) => c.redirect(`/runs/${encodeURIComponent(c.req.param('id'))}/`, 301));
  app.all('/runs/:id/*', async (c) => {
    const runId = c.req.param('id');
    const dashboard = RUN_PATH.test(c.req.path) ? await runDashboard(runId) : null;
    if (!dashboard)
      return jsonError(
        c,
        404,
        'CONDUCTOR_NOT_FOUND',
        `no run "${runId}" in ${catalog.location ?? 'the catalog'}`,
      );
    return dashboard.app.fetch(c.req.raw);
  });
  if (uiDir !== false) {
    let resolved: string | null | undefined;
    app.get(
      '*',
      uiRoute(
        () => {
          resolved ??= uiDir ?? defaultUiDir();
          return resolved;
        },
        '',
        'runs.html',
      ),
    );
  }
  app.notFound((c) => jsonError(c, 404, 'CONDUCTOR_NOT_FOUND', `not found: ${c.req.method} ${c.req.path}`));
  app.onError((error, c) => {
    onError(error);
    return jsonError(c, 500, 'CONDUCTOR_INTERNAL', `the dashboard failed: ${error.message}`);
  });

  const server = createServer(getRequestListener(app.fetch));
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    void routeUpgrade(request, socket, head).catch((error) => {
      onError(error);
      socket.destroy();
    });
  });
  async function routeUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer) {
    const path = new URL(request.url ?? '/', 'http://dashboard.invalid').pathname;
    const match = RUN_PATH.exec(path);
    const dashboard = match && match[2] === '/ws' ? await runDashboard(match[1] as string) : null;
    if (dashboard?.handleUpgrade(request, socket, head)) return;
    socket.end(
      `HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${JSON.stringify(
        errorBody('CONDUCTOR_NOT_FOUND', 'no WebSocket endpoint here; use /runs/<id>/ws'),
      )}`,
    );
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}/${token ? `?token=${encodeURIComponent(token)}` : ''}`;
  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    token,
    server,
    openRuns: () => runs.size,
    close() {
      closing ??= (async () => {
        await Promise.all([...runs.keys()].map((runId) => forget(runId)));
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}
