import { applyEvent, type ConductorEvent, initialRunState } from '@conductor/events';
import { describe, expect, it, vi } from 'vitest';
import type { EventsPage } from '../../src/protocol';
import { type FrameClock, ReplayDriver, type ReplaySpeed, speedFromInfo } from './replayDriver';
import { RunModel } from './runModel';

/** A run of three steps, each started and completed half a second apart, from t = 1000 s. */
function run(steps = ['plan', 'write', 'review']): ConductorEvent[] {
  const events: ConductorEvent[] = [];
  const add = (type: string, data: Record<string, unknown>) =>
    events.push({ seq: events.length + 1, type, timestamp: 1000 + events.length * 0.5, data });
  add('workflow_started', {
    name: 'story',
    entry_point: steps[0],
    agents: steps.map((name) => ({ name, type: 'agent' })),
    run_id: 'run-1',
  });
  for (const agent_name of steps) {
    add('agent_started', { agent_name, iteration: 1, agent_type: 'agent' });
    add('agent_completed', { agent_name, elapsed: 0.5, output: `${agent_name} done` });
  }
  add('workflow_completed', { elapsed: 3 });
  return events;
}

/** `/api/events?after=` over an array, recording the queries. */
function logApi(events: ConductorEvent[]) {
  const queries: Array<[number, number]> = [];
  return {
    queries,
    async eventsAfter(after: number, limit: number): Promise<EventsPage> {
      queries.push([after, limit]);
      const rest = events.filter((e) => e.seq > after);
      const last_seq = events.at(-1)?.seq ?? 0;
      return { events: rest.slice(0, limit), last_seq, has_more: rest.length > limit };
    },
  };
}

/** Animation frames run by hand: `tick(now)` runs the frame the driver asked for, at `now` ms. */
function handFrames() {
  let pending: { id: number; callback: (now: number) => void } | null = null;
  let ids = 0;
  const clock: FrameClock = {
    request(callback) {
      pending = { id: ++ids, callback };
      return ids;
    },
    cancel(id) {
      if (pending?.id === id) pending = null;
    },
  };
  return {
    clock,
    get waiting() {
      return pending !== null;
    },
    tick(now: number) {
      const frame = pending;
      pending = null;
      frame?.callback(now);
    },
  };
}

async function started(events: ConductorEvent[], speed: ReplaySpeed = 1) {
  const model = new RunModel();
  const frames = handFrames();
  const api = logApi(events);
  const driver = new ReplayDriver(api, model, speed, frames.clock);
  await driver.start();
  return { model, frames, api, driver, status: () => driver.status.get() };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const statusOf = (model: RunModel, step: string) => model.snapshot.state.steps[step]?.status;

describe('ReplayDriver', () => {
  it('loads the whole log page by page, then plays from the start', async () => {
    const events = Array.from({ length: 12_000 }, (_, i) => ({
      seq: i + 1,
      type: 'agent_message',
      timestamp: 1000,
      data: { agent_name: 'plan', content: 'x' },
    }));
    const { api, status, model } = await started(events);
    expect(api.queries).toEqual([
      [0, 5000],
      [5000, 5000],
      [10_000, 5000],
    ]);
    expect(status()).toMatchObject({ phase: 'ready', loaded: 12_000, total: 12_000, lastSeq: 12_000 });
    expect(status().playing).toBe(true);
    expect(model.snapshot.connection).toBe('replay');
  });

  it('plays events when the recorded gaps, divided by the speed, have passed', async () => {
    const { frames, model, status } = await started(run(), 1);
    frames.tick(0);
    expect(status().position).toBe(1);
    expect(model.snapshot.state.run.status).toBe('running');
    frames.tick(499);
    expect(status().position).toBe(1);
    frames.tick(500);
    expect(status().position).toBe(2);
    expect(statusOf(model, 'plan')).toBe('running');
    frames.tick(1000);
    expect(statusOf(model, 'plan')).toBe('completed');
    for (const now of [1500, 2000, 2500, 3000]) frames.tick(now);
    expect(status()).toMatchObject({ position: 7, playing: true });
    frames.tick(3500);
    expect(status()).toMatchObject({ position: 8, playing: false });
    expect(model.snapshot.state.run.status).toBe('completed');
    expect(frames.waiting).toBe(false);
  });

  it('after a stall (a hidden tab gets no frames), goes on from then rather than bursting', async () => {
    const { frames, status } = await started(run(), 1);
    frames.tick(0);
    frames.tick(10_000);
    expect(status().position).toBe(2);
    frames.tick(10_499);
    expect(status().position).toBe(2);
    frames.tick(10_500);
    expect(status().position).toBe(3);
  });

  it('at speed max, plays everything on the next frame', async () => {
    const { frames, model, status } = await started(run(), 'max');
    frames.tick(0);
    expect(status()).toMatchObject({ position: 8, playing: false });
    expect(model.snapshot.state.run.status).toBe('completed');
    expect(model.snapshot.activity.rows.map((row) => row.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('changes speed while playing: the next event plays at once, then at the new pace', async () => {
    const { frames, driver, status } = await started(run(), 1);
    frames.tick(0);
    driver.setSpeed(10);
    frames.tick(10);
    expect(status().position).toBe(2);
    frames.tick(59);
    expect(status().position).toBe(2);
    frames.tick(60);
    expect(status()).toMatchObject({ position: 3, speed: 10 });
  });

  it('pauses and plays on from where it stopped; at the end, play starts over', async () => {
    const { frames, driver, status, model } = await started(run(), 1);
    frames.tick(0);
    driver.pause();
    expect(status().playing).toBe(false);
    expect(frames.waiting).toBe(false);
    driver.play();
    frames.tick(60_000);
    expect(status().position).toBe(2);

    driver.setSpeed('max');
    frames.tick(60_001);
    expect(status()).toMatchObject({ position: 8, playing: false });
    driver.play();
    await vi.waitFor(() => expect(status().playing).toBe(true));
    expect(status().position).toBe(0);
    expect(model.snapshot.state.run.status).toBe('pending');
    frames.tick(70_000);
    expect(status().position).toBe(8);
  });

  it('seeks back and forth: the state is the fold of the events up to that seq', async () => {
    const events = run();
    const { frames, driver, status, model } = await started(events, 'max');
    frames.tick(0);
    await driver.seek(3);
    const upTo = (seq: number) =>
      events.filter((e) => e.seq <= seq).reduce((state, e) => applyEvent(state, e), initialRunState());
    expect(model.snapshot.state).toEqual(upTo(3));
    expect(status()).toMatchObject({ position: 3, seeking: false });
    expect(statusOf(model, 'plan')).toBe('completed');
    expect(statusOf(model, 'write')).toBe('pending');
    expect(model.snapshot.activity.rows.map((row) => row.seq)).toEqual([1, 2, 3]);

    await driver.seek(6);
    expect(model.snapshot.state).toEqual(upTo(6));
    await driver.seek(0);
    expect(model.snapshot.state).toEqual(initialRunState());
    expect(status().position).toBe(0);
  });

  it('hands the activity stream older events from memory, not from the server', async () => {
    // Messages of two steps in turn, so that no two rows coalesce: a row per event.
    const events = Array.from({ length: 300 }, (_, i) => ({
      seq: i + 1,
      type: 'agent_message',
      timestamp: 1000,
      data: { agent_name: i % 2 ? 'plan' : 'write', content: `chunk ${i + 1}` },
    }));
    const { frames, driver, model, api } = await started(events, 'max');
    frames.tick(0);
    await driver.seek(300);
    expect(model.snapshot.activity.rows.map((row) => row.seq)).toEqual(range(101, 300));
    expect(model.snapshot.activity.hasOlder).toBe(true);
    const queries = api.queries.length;
    await model.loadOlder();
    expect(model.snapshot.activity.rows.map((row) => row.seq)).toEqual(range(1, 300));
    expect(api.queries).toHaveLength(queries);
  });

  it('reports a log it cannot load', async () => {
    const model = new RunModel();
    const driver = new ReplayDriver(
      {
        eventsAfter: async () => {
          throw new Error('503 Service Unavailable');
        },
      },
      model,
      1,
      handFrames().clock,
    );
    await driver.start();
    expect(driver.status.get()).toMatchObject({
      phase: 'error',
      error: 'Could not load the log: 503 Service Unavailable',
      playing: false,
    });
  });
});

describe('speedFromInfo', () => {
  it('reads the speed a replay was started with: none is 1×, 0 or less is max', () => {
    expect(speedFromInfo(null)).toBe(1);
    expect(speedFromInfo(undefined)).toBe(1);
    expect(speedFromInfo(Number.NaN)).toBe(1);
    expect(speedFromInfo(20)).toBe(20);
    expect(speedFromInfo(0)).toBe('max');
    expect(speedFromInfo(-1)).toBe('max');
  });
});
