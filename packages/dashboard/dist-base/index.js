// src/protocol.ts
var DEFAULT_PAGE = 500;
var MAX_PAGE = 5e3;
var MAX_DIALOG_MESSAGE = 2e4;
var RESYNC_CLOSE_CODE = 4001;

// src/runs/catalog.ts
import { stat as stat2 } from "fs/promises";
import { hostname } from "os";
import { join } from "path";
import { readAppended as readAppended2 } from "@conductor/event-log";
import { createRunSummaryFold } from "@conductor/events";
import {
  conductorHome,
  eventLogPath,
  listRunIds,
  processState,
  readOwner,
  readRunRecord,
  recordedProcess,
  runDir
} from "@conductor/run-folder";

// src/server/history.ts
import {
  buildSeqIndex,
  EventLogNotFoundError as EventLogNotFoundError2,
  readEventLog,
  readEventPage
} from "@conductor/event-log";

// src/server/tail.ts
import { watch } from "fs";
import { stat } from "fs/promises";
import { basename, dirname } from "path";
import { EventLogNotFoundError, readAppended } from "@conductor/event-log";
var ABSENT = /* @__PURE__ */ new Set(["ENOENT", "ENOTDIR"]);
var errnoOf = (error) => error?.code;
function tailLog(path, sink, options) {
  const batch = options.batch ?? 1024;
  let delivered = options.afterSeq;
  let started = false;
  let position;
  let inode = null;
  let reading = false;
  let again = false;
  let closed = false;
  let failing = false;
  async function readNew() {
    let size;
    try {
      const stats = await stat(path);
      size = stats.size;
      if (!started) {
        position = await options.start();
        started = true;
      } else if (inode !== null && stats.ino !== inode || size < (position?.offset ?? 0)) {
        position = void 0;
      }
      inode = stats.ino;
    } catch (error) {
      if (ABSENT.has(errnoOf(error) ?? "") || error instanceof EventLogNotFoundError) return;
      throw error;
    }
    while (!closed && size > (position?.offset ?? 0)) {
      let read;
      try {
        read = await readAppended(path, { from: position, afterSeq: delivered, limit: batch });
      } catch (error) {
        if (error instanceof EventLogNotFoundError) return;
        throw error;
      }
      position = read.next;
      const last = read.events[read.events.length - 1];
      if (last && !closed) {
        delivered = last.seq;
        const waiting = sink.events(read.events);
        if (waiting) await waiting;
      }
      if (!read.more) return;
    }
  }
  function check2() {
    if (closed) return;
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    void (async () => {
      try {
        do {
          again = false;
          await readNew();
          failing = false;
        } while (again && !closed);
      } catch (error) {
        if (!failing && !closed) sink.error(error);
        failing = true;
      } finally {
        reading = false;
      }
    })();
  }
  let watcher = null;
  let canWatch = options.watch ?? true;
  const name = basename(path);
  function startWatching() {
    if (watcher || !canWatch || closed) return;
    try {
      watcher = watch(dirname(path), { persistent: false }, (_event, file) => {
        if (file === null || String(file) === name) check2();
      });
      watcher.on("error", () => {
        watcher?.close();
        watcher = null;
      });
    } catch (error) {
      if (!ABSENT.has(errnoOf(error) ?? "")) canWatch = false;
    }
  }
  const timer = setInterval(() => {
    startWatching();
    check2();
  }, options.pollMs);
  timer.unref();
  startWatching();
  check2();
  return {
    check: check2,
    close() {
      closed = true;
      clearInterval(timer);
      watcher?.close();
      watcher = null;
    }
  };
}

// src/server/history.ts
function jsonlStore(path, options = {}) {
  let index = null;
  const indexed = () => {
    index ??= buildSeqIndex(path, { every: options.indexEvery ?? 1024 }).catch((error) => {
      index = null;
      if (error instanceof EventLogNotFoundError2) return null;
      throw error;
    });
    return index;
  };
  function read(afterSeq) {
    return {
      [Symbol.asyncIterator]() {
        let inner = null;
        let finished = false;
        const done = () => {
          finished = true;
          return { done: true, value: void 0 };
        };
        const missingIsEmpty = (error) => {
          if (error instanceof EventLogNotFoundError2) return done();
          throw error;
        };
        return {
          next() {
            if (finished) return Promise.resolve(done());
            if (inner) return inner.next();
            return (afterSeq > 0 ? indexed() : Promise.resolve(null)).then((seqIndex) => {
              if (finished) return done();
              inner = readEventLog(path, { afterSeq, ...seqIndex ? { index: seqIndex } : {} })[Symbol.asyncIterator]();
              return inner.next().catch(missingIsEmpty);
            });
          },
          async return() {
            finished = true;
            await inner?.return?.();
            return { done: true, value: void 0 };
          }
        };
      }
    };
  }
  async function pageAfter(afterSeq, limit) {
    const seqIndex = await indexed();
    if (!seqIndex) return { events: [], hasMore: false };
    try {
      const page = await readEventPage(path, { afterSeq, limit, index: seqIndex });
      return { events: page.events, hasMore: page.hasMore };
    } catch (error) {
      if (error instanceof EventLogNotFoundError2) return { events: [], hasMore: false };
      throw error;
    }
  }
  async function pageBefore(before, limit) {
    const seqIndex = await indexed();
    if (!seqIndex) return { events: [], hasMore: false };
    await seqIndex.update();
    const end = Math.min(before, seqIndex.lastSeq + 1);
    if (end <= 1) return { events: [], hasMore: false };
    for (let span = limit + 1; ; span *= 2) {
      const from = Math.max(0, end - 1 - span);
      const { events } = await readEventPage(path, {
        afterSeq: from,
        limit: end - 1 - from,
        index: seqIndex
      });
      const inRange = events.filter((event) => event.seq < end);
      if (inRange.length > limit || from === 0) {
        return { events: limit === 0 ? [] : inRange.slice(-limit), hasMore: inRange.length > limit };
      }
    }
  }
  return {
    path,
    read,
    page: (query) => "after" in query ? pageAfter(query.after, query.limit) : pageBefore(query.before, query.limit),
    warm() {
      indexed().catch(() => {
      });
    },
    tail(afterSeq, sink) {
      return tailLog(path, sink, {
        afterSeq,
        pollMs: options.pollMs ?? 250,
        watch: options.watch ?? true,
        // The index's entry at or before afterSeq: a large log is not read again from its start.
        async start() {
          const seqIndex = await indexed();
          if (!seqIndex) return void 0;
          await seqIndex.update();
          return seqIndex.seek(afterSeq);
        }
      });
    }
  };
}
function memoryStore(initial = []) {
  const events = [];
  const append = (event) => {
    const last = events[events.length - 1];
    if (!last || event.seq > last.seq) events.push(event);
  };
  for (const event of initial) append(event);
  const firstAfter = (afterSeq) => {
    let low = 0;
    let high = events.length;
    while (low < high) {
      const mid = low + high >>> 1;
      if (events[mid].seq <= afterSeq) low = mid + 1;
      else high = mid;
    }
    return low;
  };
  return {
    path: null,
    events,
    append,
    async *read(afterSeq) {
      for (let i = firstAfter(afterSeq); i < events.length; i++) yield events[i];
    },
    async page(query) {
      if ("after" in query) {
        const start2 = firstAfter(query.after);
        return {
          events: events.slice(start2, start2 + query.limit),
          hasMore: start2 + query.limit < events.length
        };
      }
      const end = firstAfter(query.before - 1);
      const start = Math.max(0, end - query.limit);
      return { events: events.slice(start, end), hasMore: start > 0 };
    }
  };
}

// src/runs/entry.ts
import { runDurations } from "@conductor/events";
function runListEntry(runId, summary, owner, record3, now) {
  const owned = owner.state !== "gone";
  const status = listStatus(summary, owned);
  const { active_seconds, wall_seconds } = runDurations(summary, owned ? now : null);
  const recordStart = record3?.started_at ? Date.parse(record3.started_at) / 1e3 : null;
  const { resumable, why } = resumability(status, summary, owner);
  return {
    run_id: runId,
    workflow: summary.workflow ?? record3?.workflow_name ?? null,
    workflow_path: record3?.workflow_path ?? null,
    status,
    started_at: summary.started_at ?? (Number.isFinite(recordStart) ? recordStart : null),
    finished_at: status === "running" ? null : summary.finished_at,
    active_seconds,
    wall_seconds,
    resumes: summary.resumes,
    step: summary.step,
    gate: status === "running" ? summary.gate : null,
    gate_options: status === "running" ? summary.gate_options : [],
    error: status === "running" ? null : summary.error,
    cost_usd: summary.cost_usd,
    owner: owned && owner.pid !== void 0 ? { pid: owner.pid, host: owner.host ?? null, since: owner.since ?? "" } : null,
    resumable,
    why,
    deletable: !owned,
    gate_answerable: status === "running" && summary.gate !== null && owner.state === "alive" && record3?.dashboard === true
  };
}
function listStatus(summary, owned) {
  if (owned) return "running";
  return summary.status === "running" ? "died" : summary.status;
}
function resumability(status, summary, owner) {
  const at = summary.step ? ` at step "${summary.step}"` : "";
  switch (status) {
    case "running":
      return {
        resumable: false,
        why: owner.state === "unknown" ? `running on host ${owner.host ?? "another host"}` : `running in process ${owner.pid ?? "?"}${summary.gate ? `, waiting for an answer at "${summary.gate}"` : ""}`
      };
    case "completed":
      return { resumable: false, why: "completed" };
    case "died":
      return { resumable: true, why: `its process died${at} without ending it: resume continues from there` };
    case "interrupted":
      return { resumable: true, why: `stopped${at}: resume continues from there` };
    case "failed":
      if (summary.error?.startsWith("Terminated"))
        return { resumable: false, why: "ended by a terminate step" };
      return { resumable: true, why: `failed${at}: resume runs that step again` };
    default:
      return { resumable: false, why: "not started" };
  }
}

// src/runs/catalog.ts
var READ_BATCH = 2e3;
function folderCatalog(options = {}) {
  const home = options.home ?? conductorHome();
  const followed = /* @__PURE__ */ new Map();
  async function summaryOf(runId) {
    const path = eventLogPath(runId, home);
    const info = await stat2(path).catch(() => null);
    let entry = followed.get(runId);
    if (!info) {
      followed.delete(runId);
      return createRunSummaryFold().summary();
    }
    if (entry && info.size < entry.size) entry = void 0;
    if (!entry) {
      entry = { fold: createRunSummaryFold(), next: void 0, size: 0, mtimeMs: -1 };
      followed.set(runId, entry);
    }
    if (info.size !== entry.size || info.mtimeMs !== entry.mtimeMs) {
      for (; ; ) {
        const read = await readAppended2(path, { from: entry.next, limit: READ_BATCH }).catch(() => null);
        if (!read) break;
        for (const event of read.events) entry.fold.apply(event);
        entry.next = read.next;
        if (!read.more) break;
      }
      entry.size = info.size;
      entry.mtimeMs = info.mtimeMs;
    }
    return entry.fold.summary();
  }
  async function ownerOf(runId) {
    return readOwner(runId, { home }).catch(() => null);
  }
  return {
    location: home,
    async list() {
      const ids = await listRunIds(home);
      const now = Date.now() / 1e3;
      const entries = await Promise.all(
        ids.map(async (runId) => {
          const [summary, owner, record3] = await Promise.all([
            summaryOf(runId),
            ownerOf(runId),
            readRunRecord(runId, { home }).catch(() => null)
          ]);
          const view = owner?.state === "alive" || owner?.state === "unknown" ? {
            state: owner.state,
            pid: owner.claim.owner.pid,
            host: owner.claim.owner.host === hostname() ? null : owner.claim.owner.host,
            since: owner.claim.since
          } : { state: "gone" };
          const dashboardUp = Boolean(record3?.dashboard) && record3 !== null && processState(recordedProcess(record3)) === "alive";
          return runListEntry(
            runId,
            summary,
            view,
            record3 && {
              workflow_name: record3.workflow_name,
              workflow_path: record3.workflow_path,
              started_at: record3.started_at,
              dashboard: dashboardUp
            },
            now
          );
        })
      );
      for (const runId of followed.keys()) if (!ids.includes(runId)) followed.delete(runId);
      return entries.sort(
        (a, b) => (b.started_at ?? 0) - (a.started_at ?? 0) || a.run_id.localeCompare(b.run_id)
      );
    },
    history: (runId) => jsonlStore(eventLogPath(runId, home)),
    ownership: (runId) => async () => {
      const owner = await readOwner(runId, { home });
      if (!owner || owner.state === "dead" || owner.state === "released") return { owner: "none" };
      const { claim } = owner;
      return {
        owner: owner.thisProcess ? "this-process" : "other-process",
        pid: claim.owner.pid,
        ...claim.owner.host === hostname() ? {} : { host: claim.owner.host },
        since: claim.since
      };
    },
    async has(runId) {
      return (await listRunIds(home)).includes(runId);
    },
    outputsDir: (runId) => join(runDir(runId, home), "outputs")
  };
}

// src/runs/server.ts
import { createServer } from "http";
import { fileURLToPath as fileURLToPath3 } from "url";
import { getRequestListener } from "@hono/node-server";
import { Hono as Hono2 } from "hono";
import { bodyLimit as bodyLimit2 } from "hono/body-limit";
import * as v2 from "valibot";

// src/server/dashboard.ts
import { readFileSync } from "fs";
import { fileURLToPath as fileURLToPath2 } from "url";
import { applyEvent, initialRunState } from "@conductor/events";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";

// src/server/errors.ts
function errorBody(code, message) {
  return { error: { code, message } };
}
function jsonError(c, status, code, message) {
  return c.json(errorBody(code, message), status);
}

// src/server/follow.ts
async function follow(store, hub, afterSeq, sink, options) {
  const { signal } = options;
  let last = afterSeq;
  let live = false;
  let overflow = false;
  let buffer = [];
  const listening = hub.listen((event) => {
    if (signal.aborted) return;
    if (live) {
      if (event.event.seq <= last) return;
      last = event.event.seq;
      sink.live(event);
    } else if (!overflow) {
      buffer.push(event);
      if (buffer.length > options.maxBuffered) {
        overflow = true;
        buffer = [];
      }
    }
  });
  signal.addEventListener("abort", () => listening.stop(), { once: true });
  const stopped2 = () => {
    if (signal.aborted) return { status: "aborted", lastSeq: last };
    if (overflow) return { status: "overflow", lastSeq: last };
    return null;
  };
  const send2 = (event, json) => {
    const waiting = sink.history(event, json);
    if (waiting) {
      return waiting.then(() => {
        last = event.seq;
      });
    }
    last = event.seq;
  };
  try {
    const known = listening.knownSeq;
    const deadline = Date.now() + options.catchUpTimeoutMs;
    for (; ; ) {
      for await (const event of store.read(last)) {
        if (event.seq <= last) continue;
        const waiting = send2(event);
        if (waiting) await waiting;
        if (known > 0 && last >= known || stopped2()) break;
      }
      const early = stopped2();
      if (early) return early;
      if (last >= known) break;
      const recent = hub.recentAfter(last);
      if (recent) {
        for (const event of recent) {
          if (event.seq <= last || event.seq > known) continue;
          const waiting = send2(event);
          if (waiting) await waiting;
          const halted = stopped2();
          if (halted) return halted;
        }
        break;
      }
      if (Date.now() > deadline) return { status: "store_lagging", lastSeq: last };
      await hub.nextFlush(25);
    }
    for (let i = 0; ; i++) {
      const halted = stopped2();
      if (halted) return halted;
      if (i >= buffer.length) break;
      const item = buffer[i];
      if (item.event.seq > last) {
        const waiting = send2(item.event, item.json);
        if (waiting) await waiting;
      }
    }
    buffer = [];
    live = true;
    return { status: "live", lastSeq: last };
  } finally {
    if (!live) listening.stop();
  }
}

// src/server/hub.ts
var FLUSH_BATCH = 1024;
var LiveHub = class {
  #pending = [];
  /** Index of the first pending event not delivered yet. */
  #head = 0;
  #scheduled = false;
  #lastSeq = 0;
  #listeners = /* @__PURE__ */ new Set();
  #ring;
  #ringStart = 0;
  #ringSize = 0;
  #unsubscribe;
  #waiters = [];
  #drainWaiters = [];
  #onError;
  constructor(live, ringCapacity, onError) {
    this.#onError = onError;
    if (!(ringCapacity >= 1)) throw new RangeError(`ring capacity must be >= 1, got ${ringCapacity}`);
    this.#ring = new Array(ringCapacity);
    this.#unsubscribe = live ? live.subscribe((event) => this.#receive(event)) : null;
  }
  /** Listeners now: the projection, the store feed and one per socket that follows live. */
  get listenerCount() {
    return this.#listeners.size;
  }
  /** The seq of the last event delivered to listeners. */
  get lastSeq() {
    return this.#lastSeq;
  }
  /** Queues an event from any source (the bus, a store's tail); delivered on a later turn, in seq order. */
  push(event) {
    this.#receive(event);
  }
  /** Resolves once every event pushed so far is delivered: a source that reads fast waits on it. */
  drained() {
    if (this.#head >= this.#pending.length) return Promise.resolve();
    return new Promise((resolve2) => this.#drainWaiters.push(resolve2));
  }
  #receive(event) {
    this.#pending.push(event);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.flush());
  }
  /**
   * Delivers queued events, at most FLUSH_BATCH per turn of the event loop: between slices sockets
   * get to write, so a burst does not pile up in every client's buffer at once.
   */
  flush() {
    this.#scheduled = false;
    const pending = this.#pending;
    const end = Math.min(pending.length, this.#head + FLUSH_BATCH);
    for (; this.#head < end; this.#head++) {
      const event = pending[this.#head];
      if (event.seq <= this.#lastSeq) continue;
      const prevSeq = this.#lastSeq === 0 ? event.seq - 1 : this.#lastSeq;
      this.#lastSeq = event.seq;
      this.#remember(event, prevSeq);
      let json = null;
      const live = {
        event,
        json: () => {
          json ??= JSON.stringify(event);
          return json;
        }
      };
      for (const listener of this.#listeners) {
        try {
          listener(live);
        } catch (error) {
          this.#onError(error);
        }
      }
    }
    if (this.#head < pending.length) {
      if (this.#head > 4096 && this.#head * 2 > pending.length) {
        pending.splice(0, this.#head);
        this.#head = 0;
      }
      this.#scheduled = true;
      setImmediate(() => this.flush());
    } else {
      this.#pending = [];
      this.#head = 0;
      const drained = this.#drainWaiters;
      this.#drainWaiters = [];
      for (const wake of drained) wake();
    }
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
  #remember(event, prevSeq) {
    const capacity = this.#ring.length;
    const slot = (this.#ringStart + this.#ringSize) % capacity;
    this.#ring[slot] = { event, prevSeq };
    if (this.#ringSize < capacity) this.#ringSize += 1;
    else this.#ringStart = (this.#ringStart + 1) % capacity;
  }
  /**
   * Listens from now on. `knownSeq` is the last seq delivered before: every later event reaches the
   * listener, everything up to it must come from history.
   */
  listen(listener) {
    this.#listeners.add(listener);
    return { knownSeq: this.#lastSeq, stop: () => this.#listeners.delete(listener) };
  }
  /**
   * The remembered events with `seq > afterSeq`, if the ring reaches back to `afterSeq` (no event
   * between is missing), else null.
   */
  recentAfter(afterSeq) {
    if (afterSeq >= this.#lastSeq) return [];
    const capacity = this.#ring.length;
    const first = this.#ring[this.#ringStart % capacity];
    if (this.#ringSize === 0 || !first || first.prevSeq > afterSeq) return null;
    const out = [];
    for (let i = 0; i < this.#ringSize; i++) {
      const entry = this.#ring[(this.#ringStart + i) % capacity];
      if (entry && entry.event.seq > afterSeq) out.push(entry.event);
    }
    return out;
  }
  /** Resolves at the next flush, or after `ms` if none comes. */
  nextFlush(ms) {
    return new Promise((resolve2) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve2();
      }
      this.#waiters.push(done);
    });
  }
  close() {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#pending = [];
    this.#head = 0;
    this.#listeners.clear();
    for (const wake of [...this.#waiters, ...this.#drainWaiters]) wake();
    this.#waiters = [];
    this.#drainWaiters = [];
  }
};

// src/server/outputs.ts
import { constants } from "fs";
import { open } from "fs/promises";
import { join as join2 } from "path";
import { Readable } from "stream";
import { isOutputRef } from "@conductor/events";
function outputRoute(outputsDir) {
  return async function output(c) {
    const ref = c.req.param("ref") ?? "";
    if (!isOutputRef(ref)) {
      return jsonError(
        c,
        400,
        "CONDUCTOR_BAD_REQUEST",
        `"${ref.slice(0, 80)}" is not an output reference (the "ref" of an event's spills entry)`
      );
    }
    if (!outputsDir) {
      return jsonError(c, 404, "CONDUCTOR_NOT_FOUND", "this dashboard serves no stored outputs");
    }
    let handle;
    try {
      handle = await open(join2(outputsDir, ref), constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch {
      return jsonError(c, 404, "CONDUCTOR_NOT_FOUND", `no stored output ${ref} in this run`);
    }
    const info = await handle.stat().catch(() => null);
    if (!info?.isFile()) {
      await handle.close();
      return jsonError(c, 404, "CONDUCTOR_NOT_FOUND", `no stored output ${ref} in this run`);
    }
    c.header("Content-Type", "text/plain; charset=utf-8");
    c.header("Content-Length", String(info.size));
    c.header(
      "Content-Disposition",
      `${c.req.query("download") === "1" ? "attachment" : "inline"}; filename="${ref}.txt"`
    );
    return c.body(Readable.toWeb(handle.createReadStream()));
  };
}

// src/server/ownership.ts
var MAX_AGE_MS = 1e3;
function trackOwnership(source, hasControl, onError) {
  if (!source) {
    const fixed = hasControl ? { owner: "this-process", pid: process.pid } : { owner: "unknown" };
    const answer = () => Promise.resolve(fixed);
    return { current: answer, fresh: answer, invalidate() {
    } };
  }
  let cached = null;
  const ask = () => {
    const value = Promise.resolve().then(source).catch((error) => {
      onError(error);
      return { owner: "unknown" };
    });
    cached = { value, at: Date.now() };
    return value;
  };
  return {
    current: () => cached && Date.now() - cached.at < MAX_AGE_MS ? cached.value : ask(),
    fresh: ask,
    invalidate() {
      cached = null;
    }
  };
}
function ownershipBody(ownership) {
  return {
    owner: ownership.owner,
    pid: ownership.pid ?? null,
    host: ownership.host ?? null,
    since: ownership.since ?? null
  };
}
function notOwnerMessage(what, ownership, runId) {
  const id = runId ?? "<run-id>";
  switch (ownership.owner) {
    case "other-process": {
      const where = `${ownership.pid !== void 0 ? `process ${ownership.pid}` : "another process"}${ownership.host ? ` on ${ownership.host}` : ""}`;
      const since = ownership.since ? ` since ${ownership.since}` : "";
      return `this dashboard cannot ${what} the run: ${where} runs it${since}, not this one. Use that process's dashboard, or \`conductor stop ${id}\`.`;
    }
    case "none":
      return `this dashboard cannot ${what} the run: no process runs it now. To continue it: \`conductor resume --run ${id}\`.`;
    default:
      return `this dashboard cannot ${what} the run: it cannot tell which process runs it, so it only shows the run.`;
  }
}

// src/server/routes.ts
import * as v from "valibot";
var seq = v.pipe(v.string(), v.regex(/^\d{1,15}$/, "must be an integer >= 0"), v.transform(Number));
var EventsQuery = v.pipe(
  v.object({
    after: v.optional(seq),
    before: v.optional(seq),
    limit: v.optional(v.pipe(seq, v.minValue(1, "must be at least 1")))
  }),
  v.check((q) => q.after === void 0 || q.before === void 0, "give either after or before, not both")
);
var GateBody = v.object({
  step: v.pipe(v.string(), v.minLength(1, "step must name the gate step")),
  value: v.string("value must be the chosen option value"),
  additional_input: v.optional(v.nullable(v.union([v.string(), v.record(v.string(), v.unknown())])), null)
});
var DialogBody = v.object({
  step: v.pipe(v.string("step must name the agent step"), v.minLength(1, "step must name the agent step")),
  message: v.pipe(
    v.string("message must be the text to send"),
    v.regex(/\S/, "message must not be empty"),
    v.maxLength(MAX_DIALOG_MESSAGE, `message must be at most ${MAX_DIALOG_MESSAGE} characters`)
  )
});
function issueText(issues) {
  const issue = issues[0];
  if (!issue) return "invalid request";
  const path = v.getDotPath(issue);
  return path ? `${path}: ${issue.message}` : issue.message;
}
function infoRoute(api) {
  return async function info(c) {
    await api.ready;
    return c.json(await api.info());
  };
}
function stateRoute(api) {
  return async function state(c) {
    await api.ready;
    const current = api.state();
    return c.json({ state: current, last_seq: current.last_seq });
  };
}
function eventsRoute(api) {
  return async function events(c) {
    const parsed = v.safeParse(EventsQuery, c.req.query());
    if (!parsed.success) return jsonError(c, 400, "CONDUCTOR_BAD_REQUEST", issueText(parsed.issues));
    const { after, before } = parsed.output;
    const limit = Math.min(parsed.output.limit ?? DEFAULT_PAGE, MAX_PAGE);
    const query = before !== void 0 ? { before, limit } : { after: after ?? 0, limit };
    await api.ready;
    const page = await api.store.page(query);
    return c.json({
      events: page.events,
      last_seq: api.state().last_seq,
      has_more: page.hasMore
    });
  };
}
function logsRoute(api) {
  return async function logs(c) {
    await api.ready;
    const name = (api.state().run.run_id ?? api.runId() ?? "run").replace(/[^A-Za-z0-9_.-]/g, "_");
    const iterator = api.store.read(0)[Symbol.asyncIterator]();
    const encoder = new TextEncoder();
    const body = new ReadableStream({
      async pull(controller) {
        let chunk = "";
        while (chunk.length < 64 * 1024) {
          const next = await iterator.next();
          if (next.done) {
            if (chunk) controller.enqueue(encoder.encode(chunk));
            controller.close();
            return;
          }
          chunk += `${JSON.stringify(next.value)}
`;
        }
        controller.enqueue(encoder.encode(chunk));
      },
      async cancel() {
        await iterator.return?.();
      }
    });
    c.header("Content-Type", "application/x-ndjson; charset=utf-8");
    c.header("Content-Disposition", `attachment; filename="${name}.events.jsonl"`);
    return c.body(body);
  };
}
function stopRoute(api) {
  let stopping = null;
  return async function stop(c) {
    const control = api.control;
    if (!control) return noControl(c, "stop");
    await api.ready;
    const refused = await notOwner(c, api, "stop");
    if (refused) return refused;
    const { run } = api.state();
    if (run.status !== "running") {
      return jsonError(c, 409, "CONDUCTOR_CONFLICT", `the run is not running (status: ${run.status})`);
    }
    if (stopping === run.generation) return c.json(stopped(true), 202);
    stopping = run.generation;
    try {
      await control.stop();
    } catch (error) {
      stopping = null;
      throw error;
    }
    return c.json(stopped(false), 202);
  };
}
function gateRoute(api) {
  return async function gate(c) {
    const answer = api.control?.answerGate?.bind(api.control);
    if (!answer) return noControl(c, "gate");
    let json;
    try {
      json = await c.req.json();
    } catch {
      return jsonError(
        c,
        400,
        "CONDUCTOR_BAD_REQUEST",
        'the body must be JSON: {"step": "...", "value": "..."}'
      );
    }
    const parsed = v.safeParse(GateBody, json);
    if (!parsed.success) return jsonError(c, 400, "CONDUCTOR_BAD_REQUEST", issueText(parsed.issues));
    const { step, value, additional_input } = parsed.output;
    await api.ready;
    const refused = await notOwner(c, api, "answer a gate of");
    if (refused) return refused;
    const { gates } = api.state();
    const pending = Object.hasOwn(gates, step) ? gates[step] : void 0;
    if (!pending) {
      return jsonError(c, 409, "CONDUCTOR_CONFLICT", `no gate is waiting at step ${JSON.stringify(step)}`);
    }
    if (pending.options.length > 0 && !pending.options.some((option) => option.value === value)) {
      const values = pending.options.map((option) => JSON.stringify(option.value)).join(", ");
      return jsonError(
        c,
        400,
        "CONDUCTOR_BAD_REQUEST",
        `value ${JSON.stringify(value)} is not an option of gate ${JSON.stringify(step)}; choose one of ${values}`
      );
    }
    if (!await answer(step, value, additional_input ?? null)) {
      return jsonError(
        c,
        409,
        "CONDUCTOR_CONFLICT",
        `the gate at step ${JSON.stringify(step)} is no longer waiting`
      );
    }
    return c.json({ ok: true });
  };
}
function dialogRoute(api) {
  return async function dialog(c) {
    const answer = api.control?.answerDialog?.bind(api.control);
    if (!answer) return noControl(c, "dialog");
    let json;
    try {
      json = await c.req.json();
    } catch {
      return jsonError(
        c,
        400,
        "CONDUCTOR_BAD_REQUEST",
        'the body must be JSON: {"step": "...", "message": "..."}'
      );
    }
    const parsed = v.safeParse(DialogBody, json);
    if (!parsed.success) return jsonError(c, 400, "CONDUCTOR_BAD_REQUEST", issueText(parsed.issues));
    const { step, message } = parsed.output;
    await api.ready;
    const refused = await notOwner(c, api, "talk in a dialog of");
    if (refused) return refused;
    const { dialogs } = api.state();
    const pending = Object.hasOwn(dialogs, step) ? dialogs[step] : void 0;
    if (!pending) {
      return jsonError(
        c,
        409,
        "CONDUCTOR_CONFLICT",
        `no dialog is under way at step ${JSON.stringify(step)}`
      );
    }
    if (pending.awaiting !== "user") {
      return jsonError(
        c,
        409,
        "CONDUCTOR_CONFLICT",
        `step ${JSON.stringify(step)} is still replying; send your message once its reply has arrived`
      );
    }
    if (!await answer(step, message)) {
      return jsonError(
        c,
        409,
        "CONDUCTOR_CONFLICT",
        `the dialog at step ${JSON.stringify(step)} is not waiting for a message any more`
      );
    }
    return c.json({ ok: true });
  };
}
function stopped(already) {
  return already ? { ok: true, already_stopping: true } : { ok: true };
}
async function notOwner(c, api, what) {
  const ownership = await api.ownership.fresh();
  if (ownership.owner === "this-process") return null;
  const runId = api.runId();
  return jsonError(c, 409, "CONDUCTOR_NOT_OWNER", notOwnerMessage(what, ownership, runId));
}
function noControl(c, what) {
  return jsonError(
    c,
    501,
    "CONDUCTOR_NO_CONTROL",
    `this dashboard cannot ${what} the run: it was started without run control (a replay, or read-only)`
  );
}

// src/server/security.ts
import { createHash, randomBytes, timingSafeEqual } from "crypto";
var LOOPBACK = ["127.0.0.1", "localhost", "[::1]"];
function createHostPolicy(allowed, port) {
  const matches = (host) => {
    const { name, port: hostPort } = splitHost(host.toLowerCase());
    if (allowed === "*") return true;
    if (allowed === void 0) {
      const listening = port();
      return LOOPBACK.includes(name) && (listening === null || hostPort === String(listening));
    }
    return allowed.some((entry) => {
      const want = splitHost(entry.toLowerCase());
      return want.name === name && (want.port === null || want.port === hostPort);
    });
  };
  return {
    allowsHost: (host) => typeof host === "string" && host !== "" && matches(host),
    allowsOrigin(origin) {
      if (origin === null || origin === void 0) return true;
      let url;
      try {
        url = new URL(origin);
      } catch {
        return false;
      }
      return (url.protocol === "http:" || url.protocol === "https:") && matches(url.host);
    }
  };
}
function splitHost(host) {
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(host);
  return match ? { name: match[1] ?? "", port: match[2] ?? null } : { name: host, port: null };
}
function hostCheck(policy) {
  return async function hostCheck2(c, next) {
    const host = c.req.header("host") ?? new URL(c.req.url).host;
    if (!policy.allowsHost(host)) {
      return jsonError(
        c,
        403,
        "CONDUCTOR_HOST",
        `host ${JSON.stringify(host)} is not allowed; open the dashboard at the URL it printed, or set allowedHosts`
      );
    }
    await next();
  };
}
function originCheck(policy) {
  return async function originCheck2(c, next) {
    const origin = c.req.header("origin");
    if (!policy.allowsOrigin(origin)) {
      return jsonError(
        c,
        403,
        "CONDUCTOR_ORIGIN",
        `origin ${JSON.stringify(origin)} may not use this dashboard`
      );
    }
    await next();
  };
}
function createToken() {
  return randomBytes(32).toString("base64url");
}
function tokenOf(authorization, url) {
  const bearer = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  return bearer?.[1] ?? url.searchParams.get("token");
}
function tokenMatches(expected, given) {
  if (given === null) return false;
  const a = createHash("sha256").update(expected).digest();
  const b = createHash("sha256").update(given).digest();
  return timingSafeEqual(a, b);
}
function tokenAuth(token) {
  return async function tokenAuth2(c, next) {
    if (token !== null && !tokenMatches(token, tokenOf(c.req.header("authorization"), new URL(c.req.url)))) {
      return jsonError(
        c,
        401,
        "CONDUCTOR_TOKEN",
        "missing or wrong token: open the URL the dashboard printed (it carries ?token=), or send Authorization: Bearer <token>"
      );
    }
    await next();
  };
}
function securityHeaders() {
  return async function securityHeaders2(c, next) {
    await next();
    c.header("X-Content-Type-Options", "nosniff");
    c.header("Referrer-Policy", "no-referrer");
    c.header("X-Frame-Options", "DENY");
  };
}

// src/server/socket.ts
import { STATUS_CODES } from "http";
import { WebSocketServer } from "ws";
var MAX_FRAME_EVENTS = 1024;
function createSocketEndpoint(deps) {
  const { limits } = deps;
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096, perMessageDeflate: false });
  const clients = /* @__PURE__ */ new Map();
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
  function resync(ws, reason) {
    clients.get(ws)?.abort.abort();
    if (ws.readyState !== ws.OPEN) return;
    resyncs += 1;
    ws.close(RESYNC_CLOSE_CODE, reason);
    setTimeout(() => ws.terminate(), limits.closeGraceMs).unref();
  }
  let shared = null;
  function frameOf(first, last, jsons) {
    if (shared && shared.first === first && shared.last === last && shared.count === jsons.length)
      return shared.data;
    const data = Buffer.from(`[${jsons.join(",")}]`);
    shared = { first, last, count: jsons.length, data };
    return data;
  }
  function serve(ws, afterSeq, batch) {
    const abort = new AbortController();
    const client = { alive: true, abort };
    clients.set(ws, client);
    ws.once("close", () => {
      clients.delete(ws);
      abort.abort();
    });
    ws.on("pong", () => {
      client.alive = true;
    });
    ws.on("error", () => {
    });
    ws.on("message", () => {
    });
    let lastSent = afterSeq;
    let frame = [];
    let frameFirst = 0;
    let frameScheduled = false;
    function sendFrame() {
      frameScheduled = false;
      if (frame.length === 0) return;
      const jsons = frame;
      frame = [];
      if (ws.readyState !== ws.OPEN) return;
      ws.send(frameOf(frameFirst, lastSent, jsons), { binary: false });
    }
    function send2(seq2, json) {
      lastSent = seq2;
      if (!batch) {
        ws.send(json);
        return;
      }
      if (frame.length === 0) frameFirst = seq2;
      frame.push(json);
      if (frame.length >= MAX_FRAME_EVENTS) sendFrame();
      else if (!frameScheduled) {
        frameScheduled = true;
        setImmediate(sendFrame);
      }
    }
    const tooSlow = "client too slow: reconnect with after=<last seq>";
    async function drained() {
      const deadline = Date.now() + limits.stallTimeoutMs;
      while (ws.readyState === ws.OPEN && ws.bufferedAmount > limits.highWaterBytes) {
        if (Date.now() > deadline) return false;
        await new Promise((resolve2) => setTimeout(resolve2, 10));
      }
      return ws.readyState === ws.OPEN;
    }
    function followFromLastSent() {
      if (abort.signal.aborted) return;
      const current = new AbortController();
      const stop = () => current.abort();
      abort.signal.addEventListener("abort", stop, { once: true });
      const behind = async () => {
        catchUps += 1;
        current.abort();
        if (await drained()) followFromLastSent();
        else resync(ws, tooSlow);
      };
      follow(
        deps.store,
        deps.hub,
        lastSent,
        {
          history(event, json) {
            if (ws.readyState !== ws.OPEN) return;
            send2(event.seq, json ? json() : JSON.stringify(event));
            if (ws.bufferedAmount <= limits.highWaterBytes) return;
            sendFrame();
            return drained().then((ok) => {
              if (!ok) resync(ws, tooSlow);
            });
          },
          live(event) {
            if (ws.readyState !== ws.OPEN || current.signal.aborted) return;
            if (ws.bufferedAmount > limits.maxBufferedBytes) {
              void behind();
              return;
            }
            send2(event.event.seq, event.json());
          }
        },
        { maxBuffered: limits.maxQueue, catchUpTimeoutMs: limits.catchUpTimeoutMs, signal: current.signal }
      ).then(
        (result) => {
          if (result.status !== "live") abort.signal.removeEventListener("abort", stop);
          if (result.status === "overflow") void behind();
          else if (result.status === "store_lagging")
            resync(ws, "history not stored yet: reconnect with after=<last seq>");
        },
        (error) => {
          deps.onError(error);
          if (ws.readyState === ws.OPEN) ws.close(1011, "could not read the history");
        }
      );
    }
    followFromLastSent();
  }
  function handleUpgrade(request, socket, head) {
    const url = new URL(request.url ?? "/", "http://dashboard.invalid");
    if (url.pathname !== deps.path) return false;
    const reject = (status, code, message) => {
      rejectUpgrade(socket, status, code, message);
      return true;
    };
    const host = request.headers.host;
    if (!deps.policy.allowsHost(host))
      return reject(403, "CONDUCTOR_HOST", `host ${JSON.stringify(host)} is not allowed`);
    const origin = request.headers.origin;
    if (!deps.policy.allowsOrigin(origin)) {
      return reject(403, "CONDUCTOR_ORIGIN", `origin ${JSON.stringify(origin)} may not use this dashboard`);
    }
    if (deps.token !== null && !tokenMatches(deps.token, tokenOf(request.headers.authorization, url))) {
      return reject(401, "CONDUCTOR_TOKEN", "missing or wrong token: add ?token=<token> to the socket URL");
    }
    const after = url.searchParams.get("after") ?? "0";
    if (!/^\d{1,15}$/.test(after)) {
      return reject(
        400,
        "CONDUCTOR_BAD_REQUEST",
        `after must be a seq (an integer >= 0), got ${JSON.stringify(after)}`
      );
    }
    const batch = url.searchParams.get("batch") === "1";
    wss.handleUpgrade(request, socket, head, (ws) => serve(ws, Number(after), batch));
    return true;
  }
  return {
    handleUpgrade,
    refuseUpgrade: (socket) => rejectUpgrade(socket, 404, "CONDUCTOR_NOT_FOUND", `no WebSocket endpoint here; use ${deps.path}`),
    stats: () => ({ clients: clients.size, resyncs, catchUps }),
    async close() {
      clearInterval(heartbeat);
      const closing = [...clients.keys()].map(
        (ws) => new Promise((resolve2) => {
          ws.once("close", () => resolve2());
          ws.close(1001, "dashboard closing");
          setTimeout(() => ws.terminate(), 1e3).unref();
        })
      );
      await Promise.all(closing);
      await new Promise((resolve2) => wss.close(() => resolve2()));
    }
  };
}
function rejectUpgrade(socket, status, code, message) {
  const body = JSON.stringify(errorBody(code, message));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r
Content-Type: application/json; charset=utf-8\r
Content-Length: ${Buffer.byteLength(body)}\r
Connection: close\r
\r
` + body
  );
  setTimeout(() => socket.destroy(), 1e3).unref();
}

// src/server/static.ts
import { existsSync } from "fs";
import { readFile, stat as stat3 } from "fs/promises";
import { extname, join as join3, resolve, sep } from "path";
import { fileURLToPath } from "url";
var TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".ico": "image/x-icon",
  ".webp": "image/webp",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8"
};
var CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
function defaultUiDir() {
  const candidates = [new URL("./ui/", import.meta.url), new URL("../../dist/ui/", import.meta.url)];
  for (const candidate of candidates) {
    const dir = fileURLToPath(candidate);
    if (existsSync(join3(dir, "index.html"))) return dir;
  }
  return null;
}
var NOT_BUILT = `<!doctype html>
<meta charset="utf-8"><title>Conductor dashboard</title>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>The dashboard UI is not built</h1>
<p>The server and its API are running, but the web UI was not found next to the package.
Build it with <code>pnpm --filter @conductor/dashboard build</code>, or pass <code>uiDir</code>.</p>
</body>`;
function uiRoute(uiDir, basePath, indexFile = "index.html") {
  return async function ui(c) {
    const root = uiDir();
    c.header("Content-Security-Policy", CSP);
    if (root === null) {
      c.header("Cache-Control", "no-cache");
      return c.html(NOT_BUILT, 503);
    }
    let path;
    try {
      path = decodeURIComponent(c.req.path.slice(basePath.length) || "/");
    } catch {
      return c.text("bad path", 400);
    }
    const base = resolve(root);
    const file = resolve(base, `.${path}`);
    if (file !== base && !file.startsWith(base + sep)) return c.text("not found", 404);
    const found = await fileAt(file, indexFile);
    if (found) return found.endsWith(".html") ? sendIndex(c, found, basePath) : send(c, found, path);
    if (extname(path) !== "") return c.text("not found", 404);
    const index = await fileAt(join3(base, indexFile));
    return index ? sendIndex(c, index, basePath) : c.html(NOT_BUILT, 503);
  };
}
async function sendIndex(c, file, basePath) {
  const html = (await readFile(file, "utf8")).replace(/(src|href)="\.\//g, `$1="${basePath}/`);
  c.header("Content-Type", TYPES[".html"]);
  c.header("Cache-Control", "no-cache");
  return c.body(html, 200);
}
async function fileAt(path, indexFile = "index.html") {
  try {
    const info = await stat3(path);
    if (info.isFile()) return path;
    if (info.isDirectory()) {
      const index = join3(path, indexFile);
      if ((await stat3(index)).isFile()) return index;
    }
  } catch {
  }
  return null;
}
async function send(c, file, requestPath) {
  const body = await readFile(file);
  c.header("Content-Type", TYPES[extname(file).toLowerCase()] ?? "application/octet-stream");
  c.header(
    "Cache-Control",
    requestPath.includes("/assets/") ? "public, max-age=31536000, immutable" : "no-cache"
  );
  return c.body(body, 200);
}

// src/server/dashboard.ts
var DEFAULT_LIMITS = {
  ringSize: 1e4,
  maxQueue: 5e4,
  maxBufferedBytes: 8 * 1024 * 1024,
  highWaterBytes: 1024 * 1024,
  catchUpTimeoutMs: 1e4,
  heartbeatMs: 3e4,
  closeGraceMs: 5e3,
  stallTimeoutMs: 15e3
};
function createDashboard(options) {
  const store = options.history;
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const token = options.token === false ? null : options.token ?? createToken();
  const basePath = (options.basePath ?? "").replace(/\/+$/, "");
  const onError = options.onError ?? ((error) => console.error("[conductor dashboard]", error));
  let port = null;
  const policy = createHostPolicy(options.allowedHosts, () => port);
  const followsStore = store.tail !== void 0;
  const hub = new LiveHub(followsStore ? void 0 : options.live, limits.ringSize, onError);
  if (store.append) {
    const append = store.append.bind(store);
    hub.listen((live) => append(live.event));
  }
  const ownership = trackOwnership(options.ownership, options.control !== void 0, onError);
  hub.listen(() => ownership.invalidate());
  let tail = null;
  const hint = followsStore && options.live ? options.live.subscribe(() => tail?.check()) : null;
  let state = initialRunState();
  const closing = new AbortController();
  const ready = follow(
    store,
    hub,
    0,
    {
      history(event) {
        state = applyEvent(state, event);
      },
      live(live) {
        state = applyEvent(state, live.event);
      }
    },
    {
      maxBuffered: Number.POSITIVE_INFINITY,
      catchUpTimeoutMs: limits.catchUpTimeoutMs,
      signal: closing.signal
    }
  ).then((result) => {
    if (result.status === "store_lagging") {
      throw new Error(
        `the history store stopped at seq ${result.lastSeq} while live events went on: is the run's log being written to ${store.path ?? "the store"}?`
      );
    }
    if (store.tail && !closing.signal.aborted) {
      tail = store.tail(result.lastSeq, {
        events(events) {
          for (const event of events) hub.push(event);
          return hub.drained();
        },
        error: onError
      });
    }
    store.warm?.();
  });
  ready.catch(() => {
  });
  const version = packageVersion();
  const runId = () => options.info?.runId ?? state.run.run_id;
  const info = async () => {
    const i = options.info ?? {};
    const owner = await ownership.current();
    const owned = owner.owner === "this-process";
    return {
      run_id: runId(),
      workflow_name: i.workflowName ?? state.run.name,
      mode: i.mode ?? "live",
      source: i.source ?? "run",
      log_path: i.logPath ?? store.path,
      replay_speed: i.replaySpeed ?? null,
      color_scheme: options.colorScheme ?? "system",
      version,
      control: {
        stop: owned && options.control !== void 0,
        gate: owned && typeof options.control?.answerGate === "function",
        dialog: owned && typeof options.control?.answerDialog === "function"
      },
      ownership: ownershipBody(owner),
      ...i.runsUrl ? { runs_url: i.runsUrl } : {}
    };
  };
  const api = {
    store,
    ready,
    state: () => state,
    info,
    runId,
    control: options.control,
    ownership
  };
  const app = basePath ? new Hono().basePath(basePath) : new Hono();
  app.use("*", securityHeaders(), hostCheck(policy), originCheck(policy));
  app.use("/api/*", tokenAuth(token), async function noStore(c, next) {
    await next();
    c.header("Cache-Control", "no-store");
  });
  app.use(
    "/api/*",
    bodyLimit({
      maxSize: 64 * 1024,
      onError: (c) => jsonError(c, 413, "CONDUCTOR_BAD_REQUEST", "the body is larger than 64 KB")
    })
  );
  app.get("/api/info", infoRoute(api));
  app.get("/api/state", stateRoute(api));
  app.get("/api/events", eventsRoute(api));
  app.get("/api/logs", logsRoute(api));
  app.get("/api/outputs/:ref", outputRoute(options.outputsDir));
  app.post("/api/stop", stopRoute(api));
  app.post("/api/gate", gateRoute(api));
  app.post("/api/dialog", dialogRoute(api));
  app.all(
    "/api/*",
    (c) => jsonError(c, 404, "CONDUCTOR_NOT_FOUND", `no such API route: ${c.req.method} ${c.req.path}`)
  );
  app.all(
    "/ws",
    (c) => jsonError(
      c,
      426,
      "CONDUCTOR_UPGRADE_REQUIRED",
      "this is the WebSocket endpoint: connect with a WebSocket client"
    )
  );
  if (options.uiDir !== false) {
    const given = options.uiDir;
    let uiDir;
    const resolveUi = () => {
      uiDir ??= given === void 0 ? defaultUiDir() : given instanceof URL ? fileURLToPath2(given) : given;
      return uiDir;
    };
    app.get("*", uiRoute(resolveUi, basePath));
  }
  app.notFound((c) => jsonError(c, 404, "CONDUCTOR_NOT_FOUND", `not found: ${c.req.method} ${c.req.path}`));
  app.onError((error, c) => {
    onError(error);
    return jsonError(c, 500, "CONDUCTOR_INTERNAL", `the dashboard failed: ${error.message}`);
  });
  const socket = createSocketEndpoint({
    store,
    hub,
    policy,
    token,
    limits,
    path: `${basePath}/ws`,
    onError
  });
  const attached = [];
  return {
    app,
    token,
    ready,
    state: () => state,
    stats: socket.stats,
    handleUpgrade: (request, duplex, head) => socket.handleUpgrade(request, duplex, head),
    attachWebSocket(server, { exclusive = false } = {}) {
      const learnPort = () => {
        const address = server.address();
        if (address && typeof address === "object") port = address.port;
      };
      learnPort();
      server.on("listening", learnPort);
      const onUpgrade = (request, duplex, head) => {
        if (!socket.handleUpgrade(request, duplex, head) && exclusive) socket.refuseUpgrade(duplex);
      };
      server.on("upgrade", onUpgrade);
      attached.push(() => {
        server.off("upgrade", onUpgrade);
        server.off("listening", learnPort);
      });
    },
    async close() {
      closing.abort();
      tail?.close();
      hint?.();
      hub.close();
      for (const detach of attached.splice(0)) detach();
      await socket.close();
    }
  };
}
function packageVersion() {
  for (const relative of ["../package.json", "../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), "utf8"));
      if (pkg.name === "@conductor/dashboard") return pkg.version ?? null;
    } catch {
    }
  }
  return null;
}

// src/runs/server.ts
var RunActionError = class extends Error {
  status;
  code;
  constructor(status, code, message, options) {
    super(message, options);
    this.name = "RunActionError";
    this.status = status;
    this.code = code;
  }
};
var GateBody2 = v2.object({
  step: v2.pipe(v2.string(), v2.minLength(1)),
  value: v2.string(),
  additional_input: v2.optional(v2.nullable(v2.union([v2.string(), v2.record(v2.string(), v2.string())])))
});
var RUN_PATH = /^\/runs\/([A-Za-z0-9_-]{1,64})(\/.*)?$/;
async function startRunsDashboard(options) {
  const { catalog } = options;
  const actions = options.actions ?? {};
  const host = options.host ?? "127.0.0.1";
  const token = options.token === false ? null : options.token ?? createToken();
  const onError = options.onError ?? ((error) => console.error("[conductor dashboard]", error));
  let port = null;
  const policy = createHostPolicy(void 0, () => port);
  const runs = /* @__PURE__ */ new Map();
  const uiDir = options.uiDir === false ? false : options.uiDir === void 0 ? void 0 : options.uiDir instanceof URL ? fileURLToPath3(options.uiDir) : options.uiDir;
  async function runDashboard(runId) {
    const open2 = runs.get(runId);
    if (open2) return open2;
    if (!await catalog.has(runId)) return null;
    const again = runs.get(runId);
    if (again) return again;
    const loopback = ["127.0.0.1", "localhost", "[::1]"].map((name) => `${name}:${port}`);
    const dashboard = createDashboard({
      history: catalog.history(runId),
      ownership: catalog.ownership(runId),
      info: { runId, source: "run", mode: "live", runsUrl: "/" },
      basePath: `/runs/${runId}`,
      token: token ?? false,
      allowedHosts: loopback,
      ...uiDir === void 0 ? {} : { uiDir },
      ...catalog.outputsDir ? { outputsDir: catalog.outputsDir(runId) } : {},
      onError
    });
    runs.set(runId, dashboard);
    dashboard.ready.catch(onError);
    return dashboard;
  }
  async function forget(runId) {
    const dashboard = runs.get(runId);
    runs.delete(runId);
    await dashboard?.close();
  }
  const app = new Hono2();
  app.use("*", securityHeaders(), hostCheck(policy), originCheck(policy));
  app.use("/api/*", tokenAuth(token), async function noStore(c, next) {
    await next();
    c.header("Cache-Control", "no-store");
  });
  app.use(
    "/api/*",
    bodyLimit2({
      maxSize: 64 * 1024,
      onError: (c) => jsonError(c, 413, "CONDUCTOR_BAD_REQUEST", "the body is larger than 64 KB")
    })
  );
  app.get("/api/runs", async (c) => {
    const body = {
      runs: await catalog.list(),
      now: Date.now() / 1e3,
      home: catalog.location,
      actions: {
        resume: Boolean(actions.resume),
        stop: Boolean(actions.stop),
        gate: Boolean(actions.answerGate),
        delete: Boolean(actions.delete)
      }
    };
    return c.json(body);
  });
  const act = (name, run) => async (c) => {
    const runId = c.req.param("id") ?? "";
    if (!actions[name]) {
      return jsonError(c, 501, "CONDUCTOR_NO_CONTROL", `this server cannot ${name} runs`);
    }
    if (!await catalog.has(runId)) return jsonError(c, 404, "CONDUCTOR_NOT_FOUND", `no run "${runId}"`);
    let body = null;
    if (c.req.method === "POST") {
      try {
        body = await c.req.json();
      } catch {
        return jsonError(c, 400, "CONDUCTOR_BAD_REQUEST", "the body must be JSON");
      }
    }
    try {
      const message = await run(runId, body) ?? "";
      if (name === "delete") await forget(runId);
      return c.json({ ok: true, message });
    } catch (error) {
      if (error instanceof RunActionError)
        return c.json(errorBody(error.code, error.message), error.status);
      throw error;
    }
  };
  app.post(
    "/api/runs/:id/resume",
    act("resume", (id) => actions.resume?.(id))
  );
  app.post(
    "/api/runs/:id/stop",
    act("stop", (id) => actions.stop?.(id))
  );
  app.post(
    "/api/runs/:id/gate",
    act("answerGate", (id, body) => {
      const parsed = v2.safeParse(GateBody2, body);
      if (!parsed.success) {
        throw new RunActionError(
          400,
          "CONDUCTOR_BAD_REQUEST",
          'the body must be {"step": "...", "value": "..."}'
        );
      }
      const { step, value, additional_input } = parsed.output;
      return actions.answerGate?.(id, step, value, additional_input ?? null);
    })
  );
  app.delete(
    "/api/runs/:id",
    act("delete", (id) => actions.delete?.(id))
  );
  app.all(
    "/api/*",
    (c) => jsonError(c, 404, "CONDUCTOR_NOT_FOUND", `no such API route: ${c.req.method} ${c.req.path}`)
  );
  app.all("/runs/:id", (c) => c.redirect(`/runs/${encodeURIComponent(c.req.param("id"))}/`, 301));
  app.all("/runs/:id/*", async (c) => {
    const runId = c.req.param("id");
    const dashboard = RUN_PATH.test(c.req.path) ? await runDashboard(runId) : null;
    if (!dashboard)
      return jsonError(
        c,
        404,
        "CONDUCTOR_NOT_FOUND",
        `no run "${runId}" in ${catalog.location ?? "the catalog"}`
      );
    return dashboard.app.fetch(c.req.raw);
  });
  if (uiDir !== false) {
    let resolved;
    app.get(
      "*",
      uiRoute(
        () => {
          resolved ??= uiDir ?? defaultUiDir();
          return resolved;
        },
        "",
        "runs.html"
      )
    );
  }
  app.notFound((c) => jsonError(c, 404, "CONDUCTOR_NOT_FOUND", `not found: ${c.req.method} ${c.req.path}`));
  app.onError((error, c) => {
    onError(error);
    return jsonError(c, 500, "CONDUCTOR_INTERNAL", `the dashboard failed: ${error.message}`);
  });
  const server = createServer(getRequestListener(app.fetch));
  server.on("upgrade", (request, socket, head) => {
    void routeUpgrade(request, socket, head).catch((error) => {
      onError(error);
      socket.destroy();
    });
  });
  async function routeUpgrade(request, socket, head) {
    const path = new URL(request.url ?? "/", "http://dashboard.invalid").pathname;
    const match = RUN_PATH.exec(path);
    const dashboard = match && match[2] === "/ws" ? await runDashboard(match[1]) : null;
    if (dashboard?.handleUpgrade(request, socket, head)) return;
    socket.end(
      `HTTP/1.1 404 Not Found\r
Content-Type: application/json\r
Connection: close\r
\r
${JSON.stringify(
        errorBody("CONDUCTOR_NOT_FOUND", "no WebSocket endpoint here; use /runs/<id>/ws")
      )}`
    );
  }
  await new Promise((resolve2, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve2();
    });
  });
  port = server.address().port;
  const urlHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}/${token ? `?token=${encodeURIComponent(token)}` : ""}`;
  let closing = null;
  return {
    url,
    port,
    token,
    server,
    openRuns: () => runs.size,
    close() {
      closing ??= (async () => {
        await Promise.all([...runs.keys()].map((runId) => forget(runId)));
        await new Promise((resolve2) => {
          server.close(() => resolve2());
          server.closeAllConnections();
        });
      })();
      return closing;
    }
  };
}

// src/runs/store-catalog.ts
import { hostname as hostname2 } from "os";
import { createRunSummaryFold as createRunSummaryFold2 } from "@conductor/events";

// src/server/run-store-history.ts
var PAGE = 1e3;
function runStoreHistory(store, runId) {
  return {
    path: null,
    read(afterSeq) {
      return {
        async *[Symbol.asyncIterator]() {
          for (let after = afterSeq; ; ) {
            const page = await store.readPage(runId, { afterSeq: after, limit: PAGE });
            yield* page.events;
            after = page.events.at(-1)?.seq ?? after;
            if (!page.hasMore) return;
          }
        }
      };
    },
    async page(query) {
      if ("after" in query) return store.readPage(runId, { afterSeq: query.after, limit: query.limit });
      const after = Math.max(0, query.before - 1 - query.limit);
      const limit = Math.max(0, query.before - 1 - after);
      const page = await store.readPage(runId, { afterSeq: after, limit });
      return { events: page.events, hasMore: after > 0 };
    },
    tail(afterSeq, sink) {
      const controller = new AbortController();
      void (async () => {
        let last = afterSeq;
        while (!controller.signal.aborted) {
          try {
            for await (const event of store.follow(runId, { afterSeq: last, signal: controller.signal })) {
              if (controller.signal.aborted) return;
              last = event.seq;
              await sink.events([event]);
            }
          } catch (error) {
            if (!controller.signal.aborted) sink.error(error);
          }
        }
      })();
      return {
        // The store's follow reads on its own (notifications, polling).
        check() {
        },
        close() {
          controller.abort();
        }
      };
    }
  };
}

// src/runs/store-catalog.ts
var READ_BATCH2 = 2e3;
function storeCatalog(store) {
  const followed = /* @__PURE__ */ new Map();
  const here = hostname2();
  async function summaryOf(runId) {
    let entry = followed.get(runId);
    if (!entry) {
      entry = { fold: createRunSummaryFold2(), lastSeq: 0 };
      followed.set(runId, entry);
    }
    for (; ; ) {
      const page = await store.readPage(runId, { afterSeq: entry.lastSeq, limit: READ_BATCH2 });
      for (const event of page.events) entry.fold.apply(event);
      entry.lastSeq = page.events.at(-1)?.seq ?? entry.lastSeq;
      if (!page.hasMore) break;
    }
    return entry.fold.summary();
  }
  function ownerView(owner) {
    if (!owner) return { state: "gone" };
    return { state: "unknown", pid: owner.pid, host: owner.host, since: owner.since };
  }
  return {
    location: store.location,
    async list() {
      const records = await store.listRuns();
      const now = Date.now() / 1e3;
      const entries = await Promise.all(
        records.map(async (record3) => {
          const [summary, owner] = await Promise.all([summaryOf(record3.run_id), store.owner(record3.run_id)]);
          return runListEntry(
            record3.run_id,
            summary,
            ownerView(owner),
            {
              workflow_name: record3.workflow_name,
              workflow_path: record3.workflow_path,
              started_at: record3.started_at,
              // An owner's dashboard listens on its own machine's loopback: never reachable from here.
              dashboard: false
            },
            now
          );
        })
      );
      const listed = new Set(records.map((record3) => record3.run_id));
      for (const runId of followed.keys()) if (!listed.has(runId)) followed.delete(runId);
      return entries.sort(
        (a, b) => (b.started_at ?? 0) - (a.started_at ?? 0) || a.run_id.localeCompare(b.run_id)
      );
    },
    history: (runId) => runStoreHistory(store, runId),
    ownership: (runId) => async () => {
      const owner = await store.owner(runId);
      if (!owner) return { owner: "none" };
      return {
        owner: owner.host === here && owner.pid === process.pid ? "this-process" : "other-process",
        pid: owner.pid,
        ...owner.host === here ? {} : { host: owner.host },
        since: owner.since
      };
    },
    async has(runId) {
      return await store.readRunRecord(runId) !== null || await store.lastSeq(runId) > 0;
    }
  };
}

// src/server/start.ts
import { createServer as createServer2 } from "http";
import { getRequestListener as getRequestListener2 } from "@hono/node-server";
async function startDashboard(options) {
  const host = options.host ?? "127.0.0.1";
  const dashboard = createDashboard(options);
  const server = createServer2(getRequestListener2(dashboard.app.fetch));
  dashboard.attachWebSocket(server, { exclusive: true });
  try {
    await new Promise((resolve2, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, host, () => {
        server.off("error", reject);
        resolve2();
      });
    });
  } catch (error) {
    await dashboard.close();
    throw error;
  }
  const { port } = server.address();
  const urlHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  const base = options.basePath?.replace(/\/+$/, "") ?? "";
  const url = `http://${urlHost}:${port}${base}/${dashboard.token ? `?token=${encodeURIComponent(dashboard.token)}` : ""}`;
  let closing = null;
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
        await new Promise((resolve2) => {
          server.close(() => resolve2());
          server.closeAllConnections();
        });
      })();
      return closing;
    }
  };
}
export {
  DEFAULT_LIMITS,
  DEFAULT_PAGE,
  MAX_DIALOG_MESSAGE,
  MAX_PAGE,
  RESYNC_CLOSE_CODE,
  RunActionError,
  createDashboard,
  folderCatalog,
  jsonlStore,
  listStatus,
  memoryStore,
  runListEntry,
  runStoreHistory,
  startDashboard,
  startRunsDashboard,
  storeCatalog
};
//# sourceMappingURL=index.js.map