import type { ConductorEvent } from '@conductor/events';
import type { RunStore } from '@conductor/store';
import type { HistoryStore } from './history.js';

const PAGE = 1000;

/**
 * One run of a RunStore (PostgreSQL, or any other) as a dashboard's history: pages read from the
 * store, and a tail that follows it (LISTEN/NOTIFY with polling, for PostgreSQL), so a dashboard on
 * any machine shows a run another machine writes. Seqs are 1..N without gaps in a store, so the page
 * before a seq is a page after a computed one.
 */
export function runStoreHistory(store: RunStore, runId: string): HistoryStore {
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
        },
      };
    },
    async page(query) {
      if ('after' in query) return store.readPage(runId, { afterSeq: query.after, limit: query.limit });
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
              await sink.events([event as ConductorEvent]);
            }
          } catch (error) {
            if (!controller.signal.aborted) sink.error(error);
          }
        }
      })();
      return {
        // The store's follow reads on its own (notifications, polling).
        check() {},
        close() {
          controller.abort();
        },
      };
    },
  };
}
