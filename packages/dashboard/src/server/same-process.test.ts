import { readFileSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { eventLogPath, openEventLog } from '@conductor/event-log';
import { type ConductorEvent, createEventBus, type EventBus, type RunState } from '@conductor/events';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { jsonlStore, type RunningDashboard, startDashboard } from '../index.js';
import { runEvents, tempDir, WAIT } from './test-helpers.js';

// A dashboard served by the process that runs the workflow (`conductor run --web`): the run's writer
// hands each write to the dashboard, so nothing is read back from the log while the run goes on.

const TOKEN = 'same-process-token';
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** As the engine runs steps that never wait: 3 events and a flush per step, a turn every 5 ms only. */
async function busyRun(bus: EventBus, flush: () => void, steps: number): Promise<void> {
  let lastTurn = performance.now();
  for (let step = 0; step < steps; step++) {
    if (performance.now() - lastTurn >= 5) {
      await new Promise((resolve) => setImmediate(resolve));
      lastTurn = performance.now();
    }
    bus.emit('agent_started', { agent_name: 'count', iteration: step + 1, agent_type: 'set' });
    bus.emit('agent_message', { agent_name: 'count', content: `n = ${step}` });
    bus.emit('agent_completed', { agent_name: 'count', elapsed: 0, output: { n: step } });
    flush();
  }
}

function connect(running: RunningDashboard, batch: boolean, path: string) {
  const ws = new WebSocket(
    `ws://127.0.0.1:${running.port}/ws?after=0&token=${TOKEN}${batch ? '&batch=1' : ''}`,
  );
  const events: ConductorEvent[] = [];
  const notInLog: number[] = [];
  let checked = 0;
  ws.on('message', (data) => {
    const parsed = JSON.parse(String(data)) as ConductorEvent | ConductorEvent[];
    const received = Array.isArray(parsed) ? parsed : [parsed];
    events.push(...received);
    // The dashboard shows nothing that is not in the log: the last event of a frame is in the file
    // when it arrives (checked on the first frames; reading the file each time costs).
    const last = received.at(-1);
    if (last && checked++ < 50 && !readFileSync(path, 'utf8').includes(`${JSON.stringify(last)}\n`))
      notInLog.push(last.seq);
  });
  cleanup.push(() => ws.terminate());
  return {
    events,
    notInLog,
    opened: new Promise((resolve) => ws.once('open', resolve)),
    lastSeq: () => events.at(-1)?.seq ?? 0,
  };
}

describe("a dashboard in the run's process", () => {
  it('sends every event once, in order, as the log holds it, to every client, while the run keeps the thread busy', async () => {
    const path = eventLogPath('run-1', await tempDir());
    const bus = createEventBus();
    const writer = await openEventLog(path, { buffered: true });
    bus.subscribe((event) => writer.append(event));
    cleanup.push(() => writer.close());
    for (const event of runEvents(500)) bus.emitRaw(event.type, event.data);
    writer.flush();
    const running = await startDashboard({
      history: jsonlStore(path),
      live: bus,
      token: TOKEN,
      uiDir: false,
    });
    cleanup.push(() => running.close());
    await running.dashboard.ready;
    const clients = [true, true, true, false].map((batch) => connect(running, batch, path));
    await Promise.all(clients.map((client) => client.opened));

    const running1 = busyRun(bus, () => writer.flush(), 5000);
    await expect.poll(() => bus.lastSeq, WAIT).toBeGreaterThan(5000);
    // A newcomer mid-run: history from the log, then live.
    const late = connect(running, true, path);
    await running1;
    await writer.close();
    const end = 500 + 3 * 5000;
    expect(bus.lastSeq).toBe(end);
    // While the backlog drains to the clients, the state read is the fold of every event up to its seq.
    const response = await fetch(`http://127.0.0.1:${running.port}/api/state`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const body = (await response.json()) as { state: RunState; last_seq: number };
    expect(body.state.last_seq).toBe(body.last_seq);
    expect(body.state.event_count).toBe(body.last_seq);
    for (const client of [...clients, late]) {
      await expect.poll(() => client.lastSeq(), WAIT).toBe(end);
      expect(client.events.map((event) => event.seq)).toEqual(range(1, end));
      expect(client.notInLog).toEqual([]);
    }
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(clients[0]?.events.map((event) => JSON.stringify(event))).toEqual(lines);
    await expect.poll(() => running.dashboard.state().last_seq, WAIT).toBe(end);

    // The run ended here; a resume in another process appends to the log: the dashboard follows it.
    const resumed = [...runEvents(5, end + 1)];
    await appendFile(path, resumed.map((event) => `${JSON.stringify(event)}\n`).join(''));
    for (const client of [...clients, late]) {
      await expect.poll(() => client.lastSeq(), WAIT).toBe(end + 5);
      expect(client.events.map((event) => event.seq)).toEqual(range(1, end + 5));
    }
    expect(running.dashboard.stats()).toMatchObject({ clients: 5, resyncs: 0 });
  });
});
