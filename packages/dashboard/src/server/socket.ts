import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { type DashboardErrorCode, RESYNC_CLOSE_CODE } from '../protocol.js';
import { errorBody } from './errors.js';
import { follow } from './follow.js';
import type { HistoryStore } from './history.js';
import { type LiveBatch, type LiveHub, liveBatch } from './hub.js';
import { type HostPolicy, tokenMatches, tokenOf } from './security.js';

export interface SocketLimits {
  /** Live events buffered for a client still receiving history; beyond, it catches up from the store. */
  maxQueue: number;
  /** Bytes a live client may have unsent; beyond, it stops getting live events and catches up from the store. */
  maxBufferedBytes: number;
  /** While sending history, wait for the socket to drain down to this many buffered bytes. */
  highWaterBytes: number;
  catchUpTimeoutMs: number;
  /** Ping interval; a client that has not answered the previous ping is dropped. */
  heartbeatMs: number;
  /** After a 4001 close, how long a client that does not read gets before its socket is cut. */
  closeGraceMs: number;
  /** A client whose socket does not drain for this long is closed with 4001. */
  stallTimeoutMs: number;
}

/** Events in one batched frame at most (a frame also ends with each turn of the event loop). */
const MAX_FRAME_EVENTS = 1024;

export interface SocketDeps {
  store: HistoryStore;
  hub: LiveHub;
  policy: HostPolicy;
  token: string | null;
  limits: SocketLimits;
  path: string;
  onError: (error: unknown) => void;
}

export interface SocketStats {
  clients: number;
  /** Clients closed with 4001 since the start. */
  resyncs: number;
  /** Times a live client fell behind and was caught up from the store instead. */
  catchUps: number;
}

/** The `/ws` endpoint: checks the upgrade like any route, then streams `after=SEQ` and live. */
export function createSocketEndpoint(deps: SocketDeps) {
  const { limits } = deps;
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096, perMessageDeflate: false });
  const clients = new Map<WebSocket, { alive: boolean; abort: AbortController }>();
  let resyncs = 0;
  let catchUps = 0;

  const heartbeat = setInterval(() => {
    for (const [ws, client] of clients) {
      if (!client.alive) {
        ws.terminate();
        continue;
      }
      client.alive = false;
      ws.ping();
    }
  }, limits.heartbeatMs);
  heartbeat.unref();

  function resync(ws: WebSocket, reason: string) {
    clients.get(ws)?.abort.abort();
    if (ws.readyState !== ws.OPEN) return;
    resyncs += 1;
    ws.close(RESYNC_CLOSE_CODE, reason);
    // A client that stopped reading never completes the closing handshake.
    setTimeout(() => ws.terminate(), limits.closeGraceMs).unref();
  }

  function serve(ws: WebSocket, afterSeq: number, batch: boolean) {
    const abort = new AbortController();
    const client = { alive: true, abort };
    clients.set(ws, client);
    ws.once('close', () => {
      clients.delete(ws);
      abort.abort();
    });
    ws.on('pong', () => {
      client.alive = true;
    });
    ws.on('error', () => {
      // The 'close' that follows cleans up; a socket error is not the dashboard's error.
    });
    // The protocol is one way; a client message is ignored.
    ws.on('message', () => {});

    // The last seq written to this socket: where a catch-up from the store resumes.
    let lastSent = afterSeq;

    // `batch=1`: events go out as JSON arrays instead of one frame each: a WebSocket message costs the
    // server far more than the bytes in it, and a burst otherwise queues a message per event per
    // client. History read for this client goes out one frame per turn of the event loop (or per
    // MAX_FRAME_EVENTS); live events one frame per flush of the hub, the same buffer for every client.
    let frame: string[] = [];
    let frameScheduled = false;
    function sendFrame(): void {
      frameScheduled = false;
      if (frame.length === 0) return;
      const jsons = frame;
      frame = [];
      if (ws.readyState !== ws.OPEN) return;
      ws.send(`[${jsons.join(',')}]`, { binary: false });
    }
    function send(seq: number, json: string): void {
      lastSent = seq;
      if (!batch) {
        ws.send(json);
        return;
      }
      frame.push(json);
      if (frame.length >= MAX_FRAME_EVENTS) sendFrame();
      else if (!frameScheduled) {
        frameScheduled = true;
        setImmediate(sendFrame);
      }
    }
    /** Live events of one flush of the hub. */
    function sendLive(live: LiveBatch): void {
      const last = live.events[live.events.length - 1];
      if (!last) return;
      if (!batch) {
        for (const event of live.events) send(event.event.seq, event.json());
        return;
      }
      // What this socket still holds of its history goes first.
      sendFrame();
      lastSent = last.event.seq;
      const data = live.frame();
      const before = ws.bufferedAmount;
      ws.send(data, { binary: false });
      deps.hub.sent(data.length, Math.max(0, ws.bufferedAmount - before));
    }
    const tooSlow = 'client too slow: reconnect with after=<last seq>';

    /** Resolves true once the socket's buffer is down to the high-water mark, false if it stalled. */
    async function drained(): Promise<boolean> {
      const deadline = Date.now() + limits.stallTimeoutMs;
      while (ws.readyState === ws.OPEN && ws.bufferedAmount > limits.highWaterBytes) {
        if (Date.now() > deadline) return false;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return ws.readyState === ws.OPEN;
    }

    /**
     * Follows from `lastSent`: history from the store, then live. A client that falls behind live
     * (more than maxBufferedBytes unsent) is not sent live events any more: once its socket drains it
     * catches up from the store again, so its buffer stays bounded and it misses nothing. Only a
     * client whose socket does not drain for stallTimeoutMs is closed with 4001.
     */
    function followFromLastSent(): void {
      if (abort.signal.aborted) return;
      const current = new AbortController();
      const stop = () => current.abort();
      abort.signal.addEventListener('abort', stop, { once: true });
      const behind = async () => {
        catchUps += 1;
        current.abort();
        if (await drained()) followFromLastSent();
        else resync(ws, tooSlow);
      };
      const onLive = (live: LiveBatch): void => {
        if (ws.readyState !== ws.OPEN || current.signal.aborted) return;
        if (ws.bufferedAmount > limits.maxBufferedBytes) {
          void behind();
          return;
        }
        sendLive(live);
      };
      follow(
        deps.store,
        deps.hub,
        lastSent,
        {
          history(event, json) {
            if (ws.readyState !== ws.OPEN) return;
            send(event.seq, json ? json() : JSON.stringify(event));
            if (ws.bufferedAmount <= limits.highWaterBytes) return;
            sendFrame();
            return drained().then((ok) => {
              if (!ok) resync(ws, tooSlow);
            });
          },
          live: (event) => onLive(liveBatch([event])),
          liveBatch: onLive,
        },
        { maxBuffered: limits.maxQueue, catchUpTimeoutMs: limits.catchUpTimeoutMs, signal: current.signal },
      ).then(
        (result) => {
          // A live follower stays linked to the socket: its close must unsubscribe it.
          if (result.status !== 'live') abort.signal.removeEventListener('abort', stop);
          if (result.status === 'overflow') void behind();
          else if (result.status === 'store_lagging')
            resync(ws, 'history not stored yet: reconnect with after=<last seq>');
        },
        (error: unknown) => {
          deps.onError(error);
          if (ws.readyState === ws.OPEN) ws.close(1011, 'could not read the history');
        },
      );
    }
    followFromLastSent();
  }

  /** Handles an upgrade to `path`; returns false (leaving the socket alone) for any other path. */
  function handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(request.url ?? '/', 'http://dashboard.invalid');
    if (url.pathname !== deps.path) return false;
    const reject = (status: number, code: DashboardErrorCode, message: string) => {
      rejectUpgrade(socket, status, code, message);
      return true;
    };
    const host = request.headers.host;
    if (!deps.policy.allowsHost(host))
      return reject(403, 'CONDUCTOR_HOST', `host ${JSON.stringify(host)} is not allowed`);
    const origin = request.headers.origin;
    if (!deps.policy.allowsOrigin(origin)) {
      return reject(403, 'CONDUCTOR_ORIGIN', `origin ${JSON.stringify(origin)} may not use this dashboard`);
    }
    if (deps.token !== null && !tokenMatches(deps.token, tokenOf(request.headers.authorization, url))) {
      return reject(401, 'CONDUCTOR_TOKEN', 'missing or wrong token: add ?token=<token> to the socket URL');
    }
    const after = url.searchParams.get('after') ?? '0';
    if (!/^\d{1,15}$/.test(after)) {
      return reject(
        400,
        'CONDUCTOR_BAD_REQUEST',
        `after must be a seq (an integer >= 0), got ${JSON.stringify(after)}`,
      );
    }
    const batch = url.searchParams.get('batch') === '1';
    wss.handleUpgrade(request, socket, head, (ws) => serve(ws, Number(after), batch));
    return true;
  }

  return {
    handleUpgrade,
    refuseUpgrade: (socket: Duplex) =>
      rejectUpgrade(socket, 404, 'CONDUCTOR_NOT_FOUND', `no WebSocket endpoint here; use ${deps.path}`),
    stats: (): SocketStats => ({ clients: clients.size, resyncs, catchUps }),
    async close(): Promise<void> {
      clearInterval(heartbeat);
      const closing = [...clients.keys()].map(
        (ws) =>
          new Promise<void>((resolve) => {
            ws.once('close', () => resolve());
            ws.close(1001, 'dashboard closing');
            setTimeout(() => ws.terminate(), 1000).unref();
          }),
      );
      await Promise.all(closing);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

function rejectUpgrade(socket: Duplex, status: number, code: DashboardErrorCode, message: string): void {
  const body = JSON.stringify(errorBody(code, message));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
  setTimeout(() => socket.destroy(), 1000).unref();
}
