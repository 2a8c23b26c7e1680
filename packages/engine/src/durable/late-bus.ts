import {
  createEventBus,
  type EventBus,
  type EventBusOptions,
  type EventListener,
  streamEvents,
} from '@conductor/events';

/** A bus whose numbering starts once {@link LateBus.connect} says where. */
export interface LateBus extends EventBus {
  /** Creates the underlying bus (with the seq the run continues after); emits before this throw. */
  connect(options: EventBusOptions): void;
  readonly connected: boolean;
}

/**
 * A resume only learns the last seq of the run after reading its log and checkpoint, but callers
 * need the bus at once, to subscribe before anything is emitted. This bus takes subscribers now and
 * delivers, in subscription order, what the real bus (created by `connect`) emits.
 */
export function createLateBus(): LateBus {
  let inner: EventBus | null = null;
  let closed = false;
  const listeners = new Set<EventListener>();
  const closers = new Set<() => void>();

  const dispatch: EventListener = (event) => {
    for (const listener of [...listeners]) listener(event);
  };

  const bus: LateBus = {
    get lastSeq() {
      return inner?.lastSeq ?? 0;
    },
    get closed() {
      return closed;
    },
    get connected() {
      return inner !== null;
    },
    connect(options) {
      if (inner) throw new Error('the bus is connected already');
      inner = createEventBus(options);
      inner.subscribe(dispatch);
      if (closed) inner.close();
    },
    emit(type, data) {
      if (!inner) throw new Error(`cannot emit "${type}": the run has not started`);
      return inner.emit(type, data);
    },
    emitRaw(type, data) {
      if (!inner) throw new Error(`cannot emit "${type}": the run has not started`);
      return inner.emitRaw(type, data);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    events({ signal } = {}) {
      const stream = streamEvents(bus, { signal, onEnd: () => closers.delete(end) });
      const end = () => stream.end();
      if (closed) stream.end();
      else closers.add(end);
      return stream;
    },
    close() {
      if (closed) return;
      closed = true;
      inner?.close();
      for (const close of [...closers]) close();
    },
  };
  return bus;
}
