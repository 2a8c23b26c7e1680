import type { ConductorEvent } from '@conductor/events';
import { describe, expect, it } from 'vitest';
import { afterSeq, concat, filter, fromEvents } from './index.js';
import { collect, event } from './test-helpers.js';

const seqs = (events: ConductorEvent[]) => events.map((e) => e.seq);

/** A source that records when it is opened and whether it was closed. */
function tracked(events: ConductorEvent[], log: string[], name: string): AsyncGenerator<ConductorEvent> {
  return (async function* () {
    log.push(`open ${name}`);
    try {
      yield* events;
    } finally {
      log.push(`close ${name}`);
    }
  })();
}

describe('concat', () => {
  it('yields the sources one after the other, opening each only when needed', async () => {
    const log: string[] = [];
    const all = concat(tracked([event(1), event(2)], log, 'a'), tracked([event(3)], log, 'b'));
    const out: number[] = [];
    for await (const e of all) {
      out.push(e.seq);
      log.push(`got ${e.seq}`);
    }
    expect(out).toEqual([1, 2, 3]);
    expect(log).toEqual(['open a', 'got 1', 'got 2', 'close a', 'open b', 'got 3', 'close b']);
  });

  it('closes the current source on an early break and never opens the next', async () => {
    const log: string[] = [];
    for await (const e of concat(tracked([event(1), event(2)], log, 'a'), tracked([event(3)], log, 'b'))) {
      if (e.seq === 1) break;
    }
    expect(log).toEqual(['open a', 'close a']);
  });
});

describe('afterSeq / filter', () => {
  it('keeps events after a seq', async () => {
    expect(seqs(await collect(afterSeq(fromEvents([event(1), event(2), event(3)]), 1)))).toEqual([2, 3]);
  });

  it('keeps events matching a predicate', async () => {
    const source = fromEvents([event(1), event(2, 'agent_started'), event(3)]);
    expect(seqs(await collect(filter(source, (e) => e.type === 'agent_message')))).toEqual([1, 3]);
  });

  it('closes the source on an early break', async () => {
    const log: string[] = [];
    for await (const e of filter(tracked([event(1), event(2)], log, 'a'), () => true)) if (e.seq === 1) break;
    expect(log).toEqual(['open a', 'close a']);
  });
});
