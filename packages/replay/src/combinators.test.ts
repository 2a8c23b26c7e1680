import type { ConductorEvent } from '@conductor/events';
import { describe, expect, it } from 'vitest';
import { fromEvents, paced } from './index.js';
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

describe('paced', () => {
  const at = (seq: number, timestamp: number) => event(seq, 'agent_message', {}, timestamp);
  const recorder = () => {
    const waits: number[] = [];
    return { waits, sleep: async (ms: number) => void waits.push(ms) };
  };

  it('waits the original gaps divided by the speed', async () => {
    const { waits, sleep } = recorder();
    const events = await collect(paced(fromEvents([at(1, 100), at(2, 100.5), at(3, 101.5)]), 2, { sleep }));
    expect(seqs(events)).toEqual([1, 2, 3]);
    expect(waits).toEqual([250, 500]);
  });

  it('caps long idle gaps and ignores backward timestamps', async () => {
    const { waits, sleep } = recorder();
    await collect(
      paced(fromEvents([at(1, 100), at(2, 4000), at(3, 3999), at(4, 4000)]), 1, { sleep, maxDelayMs: 1500 }),
    );
    expect(waits).toEqual([1500, 1000]);
  });

  it('does not wait at all at speed Infinity', async () => {
    const { waits, sleep } = recorder();
    expect(
      seqs(await collect(paced(fromEvents([at(1, 1), at(2, 2), at(3, 3)]), Infinity, { sleep }))),
    ).toEqual([1, 2, 3]);
    expect(waits).toEqual([]);
  });

  it('reads a speed function before every wait', async () => {
    const { waits, sleep } = recorder();
    let speed = 1;
    for await (const e of paced(fromEvents([at(1, 0), at(2, 1), at(3, 2), at(4, 3)]), () => speed, {
      sleep,
    })) {
      if (e.seq === 2) speed = 4;
    }
    expect(waits).toEqual([1000, 250, 250]);
  });

  it('rejects a speed that is not positive', async () => {
    await expect(collect(paced(fromEvents([at(1, 0)]), 0))).rejects.toThrow(RangeError);
  });

  it('ends quietly when the signal aborts during a wait, closing the source', async () => {
    const log: string[] = [];
    const controller = new AbortController();
    const out: number[] = [];
    // A 10-minute gap on a real timer: unless the abort ends the wait, the test times out.
    const source = tracked([at(1, 0), at(2, 600), at(3, 1200)], log, 'a');
    for await (const e of paced(source, 1, { signal: controller.signal, maxDelayMs: 600_000 })) {
      out.push(e.seq);
      controller.abort();
    }
    expect(out).toEqual([1]);
    expect(log).toEqual(['open a', 'close a']);
  });
});
