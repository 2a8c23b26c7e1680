import type { EventBus } from '@conductor/events';

/**
 * A view of `bus` that adds `fields` to every event's data (a sub-workflow's `subworkflow_path`); the
 * data's own fields win (a grandchild's longer path). It never closes the bus.
 */
export function busWithFields(bus: EventBus, fields: Record<string, unknown>): EventBus {
  return {
    get lastSeq() {
      return bus.lastSeq;
    },
    get closed() {
      return bus.closed;
    },
    emit: (type, data) => bus.emit(type, { ...fields, ...data }),
    emitRaw: (type, data) => bus.emitRaw(type, { ...fields, ...data }),
    subscribe: (listener) => bus.subscribe(listener),
    events: (options) => bus.events(options),
    close: () => {},
  };
}
