import { readFileSync } from 'node:fs';
import type { ConductorEvent } from '@conductor/events';
import { describe, expect, it } from 'vitest';
import { fromEvents } from './index.js';
import { isCompressedGap, Pacer, paced, playbackDelay } from './pacing.js';
import { collect, event } from './test-helpers.js';

const seqs = (events: ConductorEvent[]) => events.map((e) => e.seq);
const at = (seq: number, timestamp: number) => event(seq, 'agent_message', {}, timestamp);

describe('paced', () => {
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

  it('waits on when the speed drops during a wait', async () => {
    const waits: number[] = [];
    let speed = 4;
    const sleep = async (ms: number) => {
      waits.push(ms);
      speed = 1;
    };
    await collect(paced(fromEvents([at(1, 0), at(2, 1)]), () => speed, { sleep }));
    // 250 ms at 4×, then the rest of the second at 1×.
    expect(waits).toEqual([250, 750]);
  });

  it('rejects a speed that is not positive', async () => {
    await expect(collect(paced(fromEvents([at(1, 0)]), 0))).rejects.toThrow(RangeError);
    await expect(collect(paced(fromEvents([at(1, 0)]), () => -1))).rejects.toThrow(RangeError);
  });

  it('ends quietly when the signal aborts during a wait, closing the source', async () => {
    const log: string[] = [];
    const controller = new AbortController();
    const out: number[] = [];
    // A 10-minute gap on a real timer: unless the abort ends the wait, the test times out.
    const source = (async function* () {
      log.push('open');
      try {
        yield* [at(1, 0), at(2, 600), at(3, 1200)];
      } finally {
        log.push('close');
      }
    })();
    for await (const e of paced(source, 1, { signal: controller.signal, maxDelayMs: 600_000 })) {
      out.push(e.seq);
      controller.abort();
    }
    expect(out).toEqual([1]);
    expect(log).toEqual(['open', 'close']);
  });
});

describe('playbackDelay', () => {
  it('is the recorded gap divided by the speed, capped, and never negative', () => {
    expect(playbackDelay(100, 101, 1)).toBe(1000);
    expect(playbackDelay(100, 101, 4)).toBe(250);
    expect(playbackDelay(100, 200, 1)).toBe(2000);
    expect(playbackDelay(100, 200, 1, 500)).toBe(500);
    expect(playbackDelay(101, 100, 1)).toBe(0);
    expect(playbackDelay(100, 1e9, Infinity)).toBe(0);
    expect(() => playbackDelay(100, 101, 0)).toThrow(/replay speed must be a number > 0/);
  });
});

describe('Pacer', () => {
  /** Plays timestamps on frames at the given clock times: which events each frame plays. */
  function frames(pacer: Pacer, timestamps: number[], times: number[]): number[][] {
    let cursor = 0;
    return times.map((now) => {
      const played: number[] = [];
      while (cursor < timestamps.length && pacer.wait(timestamps[cursor] as number, now) === 0)
        played.push(cursor++);
      return played;
    });
  }

  it('plays the first event at once, then each when its delay after the previous is due', () => {
    const pacer = new Pacer(1);
    expect(frames(pacer, [10, 10.1, 10.3, 11.3], [0, 50, 100, 250, 300, 1299, 1300])).toEqual([
      [0],
      [],
      [1],
      [],
      [2],
      [],
      [3],
    ]);
  });

  it('measures each delay from when the previous event was due, not from the frame that played it', () => {
    const pacer = new Pacer(1);
    // Frames every 16 ms: the event due at 100 plays at 112, the next (due 100 ms later) at 208, not 224.
    const times = Array.from({ length: 15 }, (_, i) => i * 16);
    const played = frames(pacer, [0, 0.1, 0.2], times);
    expect(played.flatMap((events, i) => events.map(() => times[i]))).toEqual([0, 112, 208]);
  });

  it('says how long an event still has to wait', () => {
    const pacer = new Pacer(2);
    expect(pacer.wait(100, 0)).toBe(0);
    expect(pacer.wait(101, 100)).toBe(400);
    expect(pacer.wait(101, 500)).toBe(0);
  });

  it('goes on from now after falling behind by more than maxLagMs, instead of playing a burst', () => {
    const pacer = new Pacer(1, { maxLagMs: 1000 });
    pacer.wait(0, 0);
    // A hidden tab: the next frame comes 5 s late. The event plays, and the next is due a second after it.
    expect(pacer.wait(1, 5000)).toBe(0);
    expect(pacer.wait(2, 5000)).toBe(1000);
  });

  it('catches up within maxLagMs', () => {
    const pacer = new Pacer(1, { maxLagMs: 1000 });
    pacer.wait(0, 0);
    expect(pacer.wait(1, 1500)).toBe(0);
    // Due at 1000 (played late at 1500): the next is due at 2000.
    expect(pacer.wait(2, 1500)).toBe(500);
  });

  it('restarts: the next event plays at once, after a pause or a seek', () => {
    const pacer = new Pacer(1);
    pacer.wait(0, 0);
    expect(pacer.wait(1, 10)).toBe(990);
    pacer.restart();
    expect(pacer.wait(1, 10)).toBe(0);
    expect(pacer.wait(2, 10)).toBe(1000);
  });

  it('reads a speed function whenever it works out a due time', () => {
    let speed = 1;
    const pacer = new Pacer(() => speed);
    pacer.wait(0, 0);
    expect(pacer.wait(1, 0)).toBe(1000);
    speed = 10;
    expect(pacer.wait(1, 0)).toBe(100);
    speed = Infinity;
    expect(pacer.wait(1, 0)).toBe(0);
  });

  it('refuses a speed that is not positive', () => {
    expect(() => new Pacer(0)).toThrow(RangeError);
    expect(() => new Pacer(Number.NaN)).toThrow(RangeError);
  });
});

describe('@conductor/replay/pacing', () => {
  it('imports nothing at run time, so a browser bundle can use it', () => {
    const source = readFileSync(new URL('./pacing.ts', import.meta.url), 'utf8');
    const imports = source.match(/^import .*$/gm) ?? [];
    expect(imports.length).toBeGreaterThan(0);
    for (const line of imports) expect(line).toMatch(/^import type /);
  });
});

describe('compressed gaps', () => {
  it('plays gaps up to maxDelayMs as recorded and longer ones in compressedDelayMs', () => {
    expect(playbackDelay(100, 112, 1, 15_000, 1500)).toBe(12_000);
    expect(playbackDelay(100, 190, 1, 15_000, 1500)).toBe(1500);
    expect(isCompressedGap(100, 190, 1, 15_000)).toBe(true);
    expect(isCompressedGap(100, 112, 1, 15_000)).toBe(false);
    expect(isCompressedGap(100, 190, Number.POSITIVE_INFINITY, 15_000)).toBe(false);
  });
});
