import type { ConductorEvent } from '@conductor/events';
import { describe, expect, it } from 'vitest';
import type { EventsPage } from '../../src/protocol';
import { COMPRESSED_GAP_MS, type FrameClock, ReplayDriver, replayMarks } from './replayDriver';
import { RunModel } from './runModel';

const at = (seq: number, timestamp: number, type: string, data: Record<string, unknown> = {}) =>
  ({ seq, type, timestamp, data }) as ConductorEvent;

const started = { name: 'w', entry_point: 'a', agents: [{ name: 'a', type: 'agent' }] };
// A 12 s wait, then a failure; 90 s later a resume.
const events = [
  at(1, 100, 'workflow_started', started),
  at(2, 100, 'wait_started', { agent_name: 'a', duration_seconds: 12 }),
  at(3, 112, 'wait_completed', { agent_name: 'a', waited_seconds: 12 }),
  at(4, 112, 'workflow_failed', { agent_name: 'a', error_type: 'X', message: 'boom' }),
  at(5, 202, 'workflow_resumed', { run_id: 'r', resumed_at_step: 'a', generation: 1, history_source: 'log' }),
  at(6, 203, 'workflow_completed', { output: 'ok' }),
];

function driverOver(list: ConductorEvent[]) {
  let pending: ((now: number) => void) | null = null;
  const frames: FrameClock = {
    request(callback) {
      pending = callback;
      return 1;
    },
    cancel() {
      pending = null;
    },
  };
  const api = {
    async eventsAfter(after: number, limit: number): Promise<EventsPage> {
      const rest = list.filter((e) => e.seq > after);
      return { events: rest.slice(0, limit), last_seq: list.at(-1)?.seq ?? 0, has_more: rest.length > limit };
    },
  };
  const driver = new ReplayDriver(api, new RunModel(), 1, frames);
  const tick = (now: number) => {
    const frame = pending;
    pending = null;
    frame?.(now);
  };
  return { driver, tick, status: () => driver.status.get() };
}

describe('replay at 1×', () => {
  it('plays a 12 s wait in real time, compresses the 90 s gap and says it skips it', async () => {
    const { driver, tick, status } = driverOver(events);
    await driver.start();
    tick(0);
    expect(status().position).toBe(2);
    tick(11_999);
    expect(status().position).toBe(2);
    tick(12_000);
    expect(status()).toMatchObject({ position: 4, skipping: 90 });
    tick(12_000 + COMPRESSED_GAP_MS);
    expect(status()).toMatchObject({ position: 5, skipping: null });
  });

  it('marks resumes and failures for the scrubber', () => {
    expect(replayMarks(events)).toEqual([
      { seq: 4, kind: 'failure', label: 'failed at a' },
      { seq: 5, kind: 'resume', label: 'resume 1' },
    ]);
  });

  it('after a seek, the position is the seek target, and moves on as it plays', async () => {
    const { driver, tick, status } = driverOver(events);
    await driver.start();
    driver.pause();
    await driver.seek(3);
    expect(status()).toMatchObject({ position: 3, seeking: false });
    driver.play();
    tick(50_000);
    expect(status().position).toBe(4);
  });
});
