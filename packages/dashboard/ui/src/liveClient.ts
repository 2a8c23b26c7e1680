import { type ConductorEvent, type DecodedEvent, decodeEvent } from '@conductor/events';
import type { StateBody } from '../../src/protocol';
import { RESYNC_CLOSE_CODE } from '../../src/protocol';
import { PAGE_SIZE } from './activity';
import { type Api, ApiError } from './api';
import { messageOf, type RunModel } from './runModel';

const MAX_BACKOFF_MS = 10_000;

function backoff(attempt: number): number {
  const base = Math.min(MAX_BACKOFF_MS, 250 * 2 ** attempt);
  return base / 2 + Math.random() * (base / 2);
}

/**
 * The protocol's client recipe (docs/dashboard-protocol.md): take `/api/state`, the recent events for
 * the activity stream, then `/ws?after=<last seq>`, folding every event with `applyEvent`. Any close
 * reconnects from the last applied seq, with backoff. `first`: a `/api/state` answer already taken,
 * used instead of asking for the first one. Returns a function that stops it.
 */
export function connectLive(api: Api, model: RunModel, first: StateBody | null = null): () => void {
  let stopped = false;
  let socket: WebSocket | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;

  // Events are folded per event but rendered once per frame, so a fast stream stays smooth.
  let queue: ConductorEvent[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (queue.length === 0) return;
    const batch = queue;
    queue = [];
    model.apply(batch);
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    // Hidden tabs get no animation frames; a timer keeps the state current for when they come back.
    if (document.hidden) setTimeout(flush, 250);
    else requestAnimationFrame(flush);
  };
  const onVisibility = () => {
    if (!document.hidden) flush();
  };
  document.addEventListener('visibilitychange', onVisibility);

  const retryLater = (fn: () => void, delay: number) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (!stopped) fn();
    }, delay);
  };

  // Whether a state and its latest events were loaded: then a new start is a reconnection.
  let loaded = false;

  async function start(): Promise<void> {
    model.setConnection(loaded ? 'reconnecting' : 'connecting');
    try {
      const taken = first;
      first = null;
      const { state, last_seq } = taken ?? (await api.state());
      if (stopped) return;
      // The steps need only the state: on the first load, show them while the latest activity is on
      // its way (the socket still opens after both, from the same seq).
      if (!model.snapshot.ready) model.showState(state, last_seq);
      const page = await api.eventsBefore(last_seq + 1, PAGE_SIZE);
      if (stopped) return;
      model.reset(state, last_seq, page.events, (page.events[0]?.seq ?? 1) > 1);
      loaded = true;
      open();
    } catch (error) {
      if (stopped) return;
      if (error instanceof ApiError && error.status === 401) {
        model.setConnection('unauthorized');
        return;
      }
      model.setError(`Could not load the run: ${messageOf(error)}`);
      retryLater(start, backoff(failures++));
    }
  }

  function open(): void {
    const after = model.snapshot.lastSeq;
    const ws = new WebSocket(api.socketUrl(after));
    socket = ws;
    ws.onopen = () => {
      failures = 0;
      model.setConnection('live');
      model.setError(null);
    };
    ws.onmessage = (message) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(String(message.data));
      } catch {
        return; // Not JSON; the protocol sends nothing else.
      }
      // The socket is opened with batch=1: a frame is an array of events (one object from an older server).
      for (const item of Array.isArray(parsed) ? parsed : [parsed]) {
        const decoded: DecodedEvent = decodeEvent(item);
        // Not an event: left out. An event the vocabulary cannot read is kept (the projection counts it).
        if (decoded.ok) queue.push(decoded.event);
      }
      schedule();
    };
    ws.onclose = (close) => {
      if (socket !== ws) return;
      socket = null;
      flush(); // Reconnect strictly after what was applied.
      if (stopped) return;
      model.setConnection('reconnecting');
      if (close.code === RESYNC_CLOSE_CODE) {
        retryLater(open, 0);
        return;
      }
      const attempt = failures++;
      // A browser does not say why an upgrade failed: after a few tries, ask whether the token is the reason.
      retryLater(attempt >= 2 ? checkThenOpen : open, backoff(attempt));
    };
  }

  async function checkThenOpen(): Promise<void> {
    try {
      await api.info();
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        model.setConnection('unauthorized');
        return;
      }
    }
    if (!stopped) open();
  }

  void start();

  return () => {
    stopped = true;
    clearTimeout(timer);
    document.removeEventListener('visibilitychange', onVisibility);
    if (socket) {
      const ws = socket;
      socket = null;
      ws.close();
    }
  };
}
