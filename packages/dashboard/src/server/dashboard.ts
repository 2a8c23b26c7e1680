import { readFileSync } from 'node:fs';
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { ConductorEvent, RunState } from '@conductor/events';
import { Hono } from 'hono';
import type { ColorScheme, InfoBody } from '../protocol.js';
import { jsonError } from './errors.js';
import { follow } from './follow.js';
import type { HistoryStore } from './history.js';
import { LiveHub, type LiveSource } from './hub.js';
import { createLiveState } from './live-state.js';
import { outputRoute } from './outputs.js';
import { type OwnershipSource, ownershipBody, trackOwnership } from './ownership.js';
import {
  type ApiContext,
  type DashboardControl,
  dialogRoute,
  eventsRoute,
  gateRoute,
  infoRoute,
  logsRoute,
  stateRoute,
  stopRoute,
} from './routes.js';
import { createHostPolicy, createToken, guard } from './security.js';
import { createSocketEndpoint, type SocketLimits, type SocketStats } from './socket.js';
import { defaultUiDir, uiRoute } from './static.js';
import type { StoreTail } from './tail.js';

/** What `/api/info` says about the run; anything left out comes from the history (run id, name). */
export interface DashboardInfo {
  runId?: string | null;
  workflowName?: string | null;
  /** `live` (default): a run going on or finished; `replay`: the UI plays the log back itself. */
  mode?: 'live' | 'replay';
  /** `run` (default), `resume` or `replay`. */
  source?: 'run' | 'resume' | 'replay';
  /** Shown to the user; defaults to the history store's file. */
  logPath?: string | null;
  /** Initial playback speed for replay mode. */
  replaySpeed?: number | null;
  /** The run list this run belongs to (a path, e.g. `/`): the UI links back to it. */
  runsUrl?: string | null;
}

export interface DashboardLimits extends SocketLimits {
  /** Recent live events kept to bridge the history store's write lag. */
  ringSize: number;
}

export interface DashboardOptions {
  /** Where past events are read from: `jsonlStore(path)`, `memoryStore(events)`, or your own store. */
  history: HistoryStore;
  /**
   * The run's event bus, if it runs in this process. With a store that follows its file
   * (`jsonlStore`) it is only a hint to read the file at once: the file is enough, whoever writes it.
   * A store nobody else writes (`memoryStore`) takes its live events from here.
   */
  live?: LiveSource;
  /** Lets the UI stop the run, answer gates and talk in dialogs, while this process owns the run. Absent: read-only (501). */
  control?: DashboardControl;
  /**
   * Who owns (writes) the run now; asked again when the log changes and at most about once a second.
   * Control works only while it says `this-process` (409 otherwise). Default: `this-process` when
   * `control` is given, else `unknown`.
   */
  ownership?: OwnershipSource;
  info?: DashboardInfo;
  /** The secret for `/api/*` and `/ws`. Default: 32 random bytes, base64url. `false`: none (behind your own auth). */
  token?: string | false;
  /**
   * Host names accepted in `Host` and `Origin`: `host:port` or `host` (any port) entries, or `'*'`.
   * Default: 127.0.0.1, localhost and [::1] on the port the attached server listens on.
   */
  allowedHosts?: readonly string[] | '*';
  /** Folder of the built UI. Default: `dist/ui` of this package. `false`: serve no UI (API only). */
  uiDir?: string | URL | false;
  /** Path the app is served under, e.g. `/conductor` (the socket is then `/conductor/ws`). Default ''. */
  basePath?: string;
  /**
   * The page's colours: `system` (default) follows the browser's `prefers-color-scheme`; `light` or
   * `dark` fixes them. The page's toggle overrides it for that browser.
   */
  colorScheme?: ColorScheme;
  limits?: Partial<DashboardLimits>;
  /**
   * The run's `outputs/` folder (`runs/<id>/outputs`): texts over the output cap, served by id at
   * `/api/outputs/<ref>`. Absent: that route answers 404.
   */
  outputsDir?: string;
  /** Errors that no request can report (reading history for a socket, ...). Default: console.error. */
  onError?: (error: unknown) => void;
}

export interface Dashboard {
  /** The hono app: API and UI. Serve it with `@hono/node-server` or mount it in your own app. */
  readonly app: Hono;
  /**
   * Handles `/ws` upgrades of `server`. Other paths are left to your own upgrade handlers, unless
   * `exclusive` (the server is the dashboard's alone): then they are refused with 404.
   */
  attachWebSocket(server: HttpServer | HttpsServer, options?: { exclusive?: boolean }): void;
  /**
   * For a server that routes upgrades itself (one server for many runs): handles `request` when its path
   * is this dashboard's socket and returns true; returns false, touching nothing, otherwise.
   */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Stops following the run, closes sockets (1001). Does not close an attached server. */
  close(): Promise<void>;
  /** The token clients must present, or null when turned off. */
  readonly token: string | null;
  /** Resolves once the history is folded into the state; rejects if it could not be read. */
  readonly ready: Promise<void>;
  /** The projection right now. */
  state(): RunState;
  stats(): SocketStats;
}

/**
 * Events (and characters of their lines) that the run in this process may have handed to the dashboard
 * ahead of its delivery to clients; beyond, the dashboard reads the rest from the log file as it can.
 */
const MAX_PRODUCED_BACKLOG = 200_000;
const MAX_PRODUCED_BACKLOG_CHARS = 64 * 1024 * 1024;

export const DEFAULT_LIMITS: DashboardLimits = {
  ringSize: 10_000,
  maxQueue: 50_000,
  maxBufferedBytes: 8 * 1024 * 1024,
  highWaterBytes: 1024 * 1024,
  catchUpTimeoutMs: 10_000,
  heartbeatMs: 30_000,
  closeGraceMs: 5_000,
  stallTimeoutMs: 15_000,
};

/**
 * The dashboard of one run. Folds the history into the projection once (streaming: memory does not
 * grow with the history), keeps it current from live events, and serves the protocol of
 * docs/dashboard-protocol.md. Runs standalone (`startDashboard`) or inside any Node server.
 */
export function createDashboard(options: DashboardOptions): Dashboard {
  const store = options.history;
  const limits: DashboardLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const token = options.token === false ? null : (options.token ?? createToken());
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  const onError = options.onError ?? ((error: unknown) => console.error('[conductor dashboard]', error));
  let port: number | null = null;
  const policy = createHostPolicy(options.allowedHosts, () => port);

  // A store that follows its file feeds the hub itself (below, once the history is folded): then the
  // file is the one source, so every event arrives once and in order whichever process wrote it.
  const followsStore = store.tail !== undefined;
  const hub = new LiveHub(followsStore ? undefined : options.live, limits.ringSize, onError);
  // A store nobody else writes to is fed here, before any follower sees the event.
  if (store.append) {
    const append = store.append.bind(store);
    hub.listen((live) => append(live.event));
  }
  const ownership = trackOwnership(options.ownership, options.control !== undefined, onError);
  // A new event may mean a new owner (a resume began, the run ended).
  hub.listen(() => ownership.invalidate());
  let tail: StoreTail | null = null;
  const hint = followsStore && options.live ? options.live.subscribe(() => tail?.check()) : null;

  const state = createLiveState();
  let foldArmed = false;
  const closing = new AbortController();
  const ready = follow(
    store,
    hub,
    0,
    {
      history(event) {
        state.apply(event);
      },
      live(live) {
        if (!hub.draining) return state.apply(live.event);
        // Draining a backlog to the sockets: their frames first, the fold once it is gone.
        state.defer(live.event);
        if (foldArmed) return;
        foldArmed = true;
        void hub.drained().then(() => {
          foldArmed = false;
          state.idle();
        });
      },
    },
    {
      maxBuffered: Number.POSITIVE_INFINITY,
      catchUpTimeoutMs: limits.catchUpTimeoutMs,
      signal: closing.signal,
    },
  ).then((result) => {
    if (result.status === 'store_lagging') {
      throw new Error(
        `the history store stopped at seq ${result.lastSeq} while live events went on: is the run's log being written to ${store.path ?? 'the store'}?`,
      );
    }
    if (store.tail && !closing.signal.aborted) {
      tail = store.tail(result.lastSeq, {
        events(events, lines) {
          if (lines === undefined) {
            // Read from the store: the next read waits until these are delivered.
            for (const event of events) hub.push(event);
            return hub.drained();
          }
          // Written by the run in this process, handed over by its writer with their lines: the run
          // must not wait for the dashboard, so the tail waits only when too much is held in memory
          // (and then reads the rest from the file).
          const jsons = lines.split('\n');
          for (let i = 0; i < events.length; i++) hub.pushProduced(events[i] as ConductorEvent, jsons[i]);
          return hub.backlog > MAX_PRODUCED_BACKLOG || hub.backlogChars > MAX_PRODUCED_BACKLOG_CHARS
            ? hub.drained()
            : undefined;
        },
        error: onError,
      });
    }
    store.warm?.();
  });
  // Surfaced by the routes that await it; this only keeps the rejection from being unhandled.
  ready.catch(() => {});

  const version = packageVersion();
  const runId = () => options.info?.runId ?? state.current().run.run_id;
  const info = async (): Promise<InfoBody> => {
    const i = options.info ?? {};
    const owner = await ownership.current();
    const owned = owner.owner === 'this-process';
    return {
      run_id: runId(),
      workflow_name: i.workflowName ?? state.current().run.name,
      mode: i.mode ?? 'live',
      source: i.source ?? 'run',
      log_path: i.logPath ?? store.path,
      replay_speed: i.replaySpeed ?? null,
      color_scheme: options.colorScheme ?? 'system',
      version,
      control: {
        stop: owned && options.control !== undefined,
        gate: owned && typeof options.control?.answerGate === 'function',
        dialog: owned && typeof options.control?.answerDialog === 'function',
      },
      ownership: ownershipBody(owner),
      ...(i.runsUrl ? { runs_url: i.runsUrl } : {}),
    };
  };
  const api: ApiContext = {
    store,
    ready,
    state: state.current,
    info,
    runId,
    control: options.control,
    ownership,
  };

  const app = basePath ? new Hono().basePath(basePath) : new Hono();
  guard(app, policy, token);
  app.get('/api/info', infoRoute(api));
  app.get('/api/state', stateRoute(api));
  app.get('/api/events', eventsRoute(api));
  app.get('/api/logs', logsRoute(api));
  app.get('/api/outputs/:ref', outputRoute(options.outputsDir));
  app.post('/api/stop', stopRoute(api));
  app.post('/api/gate', gateRoute(api));
  app.post('/api/dialog', dialogRoute(api));
  app.all('/api/*', (c) =>
    jsonError(c, 404, 'CONDUCTOR_NOT_FOUND', `no such API route: ${c.req.method} ${c.req.path}`),
  );
  app.all('/ws', (c) =>
    jsonError(
      c,
      426,
      'CONDUCTOR_UPGRADE_REQUIRED',
      'this is the WebSocket endpoint: connect with a WebSocket client',
    ),
  );
  if (options.uiDir !== false) {
    const given = options.uiDir;
    let uiDir: string | null | undefined;
    const resolveUi = (): string | null => {
      uiDir ??= given === undefined ? defaultUiDir() : given instanceof URL ? fileURLToPath(given) : given;
      return uiDir;
    };
    app.get('*', uiRoute(resolveUi, basePath));
  }
  app.notFound((c) => jsonError(c, 404, 'CONDUCTOR_NOT_FOUND', `not found: ${c.req.method} ${c.req.path}`));
  app.onError((error, c) => {
    onError(error);
    return jsonError(c, 500, 'CONDUCTOR_INTERNAL', `the dashboard failed: ${error.message}`);
  });

  const socket = createSocketEndpoint({
    store,
    hub,
    policy,
    token,
    limits,
    path: `${basePath}/ws`,
    onError,
  });
  const attached: Array<() => void> = [];

  return {
    app,
    token,
    ready,
    state: state.current,
    stats: socket.stats,
    handleUpgrade: (request, duplex, head) => socket.handleUpgrade(request, duplex, head),
    attachWebSocket(server, { exclusive = false } = {}) {
      const learnPort = () => {
        const address = server.address();
        if (address && typeof address === 'object') port = address.port;
      };
      learnPort();
      server.on('listening', learnPort);
      const onUpgrade = (
        request: Parameters<typeof socket.handleUpgrade>[0],
        duplex: Parameters<typeof socket.handleUpgrade>[1],
        head: Buffer,
      ) => {
        if (!socket.handleUpgrade(request, duplex, head) && exclusive) socket.refuseUpgrade(duplex);
      };
      server.on('upgrade', onUpgrade);
      attached.push(() => {
        server.off('upgrade', onUpgrade);
        server.off('listening', learnPort);
      });
    },
    async close() {
      closing.abort();
      tail?.close();
      hint?.();
      hub.close();
      for (const detach of attached.splice(0)) detach();
      await socket.close();
    },
  };
}

function packageVersion(): string | null {
  // The bundle is dist/index.js, the sources src/server/*.ts: package.json is one or two folders up.
  for (const relative of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === '@conductor/dashboard') return pkg.version ?? null;
    } catch {
      // Try the next place.
    }
  }
  return null;
}
