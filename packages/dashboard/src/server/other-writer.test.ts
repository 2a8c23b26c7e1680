import { spawn } from 'node:child_process';
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openEventLog } from '@conductor/event-log';
import type { ConductorEvent, RunState } from '@conductor/events';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type JsonlStoreOptions, jsonlStore, type RunningDashboard, startDashboard } from '../index.js';
import { runEvents, tempDir, WAIT } from './test-helpers.js';

// A dashboard whose process does not write the run: no bus, only the log file, which another writer
// (in this process, or in a child process) appends to. Its state and sockets must follow the file.

const TOKEN = 'other-writer-token';
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function serve(path: string, options: JsonlStoreOptions = {}): Promise<RunningDashboard> {
  const running = await startDashboard({ history: jsonlStore(path, options), token: TOKEN, uiDir: false });
  cleanup.push(() => running.close());
  await running.dashboard.ready;
  return running;
}

function connect(running: RunningDashboard, after: number) {
  const ws = new WebSocket(`ws://127.0.0.1:${running.port}/ws?after=${after}&token=${TOKEN}`);
  const seqs: number[] = [];
  ws.on('message', (data) => seqs.push((JSON.parse(String(data)) as ConductorEvent).seq));
  cleanup.push(() => ws.terminate());
  return { seqs, opened: new Promise((resolve) => ws.once('open', resolve)) };
}

async function stateOf(running: RunningDashboard): Promise<{ state: RunState; last_seq: number }> {
  const response = await fetch(`http://127.0.0.1:${running.port}/api/state`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  return (await response.json()) as { state: RunState; last_seq: number };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const completed = (seq: number): ConductorEvent => ({
  seq,
  type: 'workflow_completed',
  timestamp: 1_732_170_100,
  data: { elapsed: 10, output: { done: true } },
});
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('a dashboard of a log written by someone else', () => {
  it('follows a writer in this process that has no bus: state and every socket, each event once, in order', async () => {
    const path = join(await tempDir(), 'events.jsonl');
    const all = [...runEvents(1999), completed(2000)];
    const writer = await openEventLog(path);
    cleanup.push(() => writer.close());
    for (const event of all.slice(0, 100)) writer.append(event);
    const running = await serve(path);
    expect((await stateOf(running)).last_seq).toBe(100);

    const early = connect(running, 0);
    await early.opened;
    const sockets = [early];
    for (let i = 100; i < all.length; i += 50) {
      for (const event of all.slice(i, i + 50)) writer.append(event);
      // Clients arriving while the file grows: each catches up from disk, then follows.
      if (i === 600) sockets.push(connect(running, 250));
      if (i === 1500) sockets.push(connect(running, 1400));
      await tick();
    }

    await expect.poll(() => running.dashboard.state().last_seq, WAIT).toBe(2000);
    const { state, last_seq } = await stateOf(running);
    expect(last_seq).toBe(2000);
    expect(state.run.status).toBe('completed');
    expect(state.event_count).toBe(2000);
    await expect.poll(() => sockets.map((s) => s.seqs.at(-1)), WAIT).toEqual([2000, 2000, 2000]);
    expect(early.seqs).toEqual(range(1, 2000));
    expect(sockets[1]?.seqs).toEqual(range(251, 2000));
    expect(sockets[2]?.seqs).toEqual(range(1401, 2000));
  });

  it('follows a writer in a child process that writes each line in two pieces, into a log that did not exist yet', async () => {
    const dir = await tempDir();
    const path = join(dir, 'run', 'events.jsonl');
    const all = [...runEvents(599), completed(600)];
    const input = join(dir, 'events.json');
    await writeFile(input, JSON.stringify(all));
    const running = await serve(path);
    expect((await stateOf(running)).last_seq).toBe(0);
    const socket = connect(running, 0);
    await socket.opened;

    // Half a line, a pause, the rest: the dashboard must only ever read whole lines.
    const script = `
      const fs = require('node:fs');
      const path = require('node:path');
      const [input, log] = process.argv.slice(1);
      const events = JSON.parse(fs.readFileSync(input, 'utf8'));
      fs.mkdirSync(path.dirname(log), { recursive: true });
      const fd = fs.openSync(log, 'a');
      let i = 0;
      (function next() {
        if (i === events.length) return fs.closeSync(fd);
        const line = JSON.stringify(events[i++]) + '\\n';
        const cut = Math.floor(line.length / 2);
        fs.writeSync(fd, line.slice(0, cut));
        setImmediate(() => {
          fs.writeSync(fd, line.slice(cut));
          if (i % 100 === 0) setTimeout(next, 5); else setImmediate(next);
        });
      })();`;
    const child = spawn(process.execPath, ['-e', script, input, path], { stdio: 'inherit' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    cleanup.push(() => void child.kill());
    expect(await exited).toBe(0);

    await expect.poll(() => socket.seqs.at(-1), WAIT).toBe(600);
    expect(socket.seqs).toEqual(range(1, 600));
    const { state, last_seq } = await stateOf(running);
    expect(last_seq).toBe(600);
    expect(state.run.status).toBe('completed');
    expect(state.event_count).toBe(600);
    expect(state.steps.planner?.status).toBe('completed');
  });

  it('follows by polling alone where watching the file is not possible', async () => {
    const path = join(await tempDir(), 'events.jsonl');
    const all = [...runEvents(99), completed(100)];
    await writeFile(
      path,
      all
        .slice(0, 10)
        .map((e) => `${JSON.stringify(e)}\n`)
        .join(''),
    );
    const running = await serve(path, { watch: false, pollMs: 50 });
    const socket = connect(running, 0);
    await socket.opened;
    await appendFile(
      path,
      all
        .slice(10)
        .map((e) => `${JSON.stringify(e)}\n`)
        .join(''),
    );
    await expect.poll(() => running.dashboard.state().run.status, WAIT).toBe('completed');
    await expect.poll(() => socket.seqs.length, WAIT).toBe(100);
    expect(socket.seqs).toEqual(range(1, 100));
  });

  it('follows a resume after a crash: the cut-off line moved aside, the new writer appending', async () => {
    const path = join(await tempDir(), 'events.jsonl');
    const all = [...runEvents(299), completed(300)];
    const crashed = `${all
      .slice(0, 120)
      .map((e) => `${JSON.stringify(e)}\n`)
      .join('')}${JSON.stringify(all[120]).slice(0, 30)}`;
    await writeFile(path, crashed);
    const running = await serve(path);
    const socket = connect(running, 100);
    await socket.opened;
    expect(running.dashboard.state().last_seq).toBe(120);

    // What `conductor resume` does in its own process: repair the tail, then append.
    const writer = await openEventLog(path);
    cleanup.push(() => writer.close());
    expect(writer.repaired?.action).toBe('moved-fragment');
    for (const event of all.slice(120)) writer.append(event);
    await expect.poll(() => socket.seqs.at(-1), WAIT).toBe(300);
    expect(socket.seqs).toEqual(range(101, 300));
    expect((await stateOf(running)).state.run.status).toBe('completed');
  });
});
