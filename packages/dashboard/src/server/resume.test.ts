import { unlink } from 'node:fs/promises';
import { attachEventLog, eventLogPath, lastSeqOf } from '@conductor/event-log';
import { type ConductorEvent, createEventBus, type RunState } from '@conductor/events';
import { type CheckpointHistory, historyForResume } from '@conductor/replay';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { jsonlStore, type RunningDashboard, startDashboard } from '../index.js';
import { tempDir, WAIT, writeLog } from './test-helpers.js';

// The bug this project exists for: a resumed run's dashboard showed nothing of what ran before.

const TOKEN = 'resume-token';
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

const workflow = {
  name: 'review',
  entry_point: 'planner',
  agents: [
    { name: 'planner', type: 'agent' },
    { name: 'coder', type: 'agent' },
    { name: 'reviewer', type: 'agent' },
  ],
  routes: [
    { from: 'planner', to: 'coder' },
    { from: 'coder', to: 'reviewer' },
  ],
};

/** The first process: two agents complete, the third fails, a checkpoint is written, the process ends. */
async function originalRun(path: string): Promise<CheckpointHistory> {
  const bus = createEventBus();
  const log = await attachEventLog(bus, path);
  bus.emit('workflow_started', { ...workflow, run_id: 'run-1' });
  bus.emit('agent_started', { agent_name: 'planner', iteration: 1, agent_type: 'agent' });
  bus.emit('agent_message', { agent_name: 'planner', content: 'Plan: refactor the parser' });
  bus.emit('agent_completed', { agent_name: 'planner', elapsed: 2, output: { plan: 'refactor' } });
  bus.emit('agent_started', { agent_name: 'coder', iteration: 1, agent_type: 'agent' });
  bus.emit('agent_completed', { agent_name: 'coder', elapsed: 5, output: { diff: '+1 -1' } });
  bus.emit('agent_started', { agent_name: 'reviewer', iteration: 1, agent_type: 'agent' });
  bus.emit('workflow_failed', {
    error_type: 'ProviderError',
    message: 'rate limited',
    agent_name: 'reviewer',
  });
  await log.detach();
  return {
    run_id: 'run-1',
    current_step: 'reviewer',
    created_at: 1_732_170_100,
    trigger: 'failure',
    context: {
      workflow_inputs: {},
      step_outputs: { planner: { plan: 'refactor' }, coder: { diff: '+1 -1' } },
      execution_history: [
        { step: 'planner', iteration: 1 },
        { step: 'coder', iteration: 1 },
      ],
    },
    event_log_path: path,
    last_seq: bus.lastSeq,
    failure: { error_type: 'ProviderError', message: 'rate limited', agent_name: 'reviewer' },
  };
}

/**
 * The resuming process: its bus numbering after `lastSeq` and appending to the log, its dashboard on
 * that log; the resume begins and `reviewer` starts again.
 */
async function resume(path: string, lastSeq: number, historySource: 'log' | 'synthetic') {
  const bus = createEventBus({ lastSeq });
  const log = await attachEventLog(bus, path);
  const running = await startDashboard({
    history: jsonlStore(path),
    live: bus,
    token: TOKEN,
    info: { source: 'resume' },
  });
  cleanup.push(
    () => log.detach(),
    () => running.close(),
  );
  bus.emit('workflow_resumed', {
    run_id: 'run-1',
    resumed_at_step: 'reviewer',
    generation: 1,
    history_source: historySource,
  });
  bus.emit('agent_started', { agent_name: 'reviewer', iteration: 1, agent_type: 'agent' });
  return { bus, running };
}

async function state(running: RunningDashboard): Promise<RunState> {
  const response = await fetch(new URL('/api/state', running.url), {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  return ((await response.json()) as { state: RunState }).state;
}

function socketEvents(running: RunningDashboard, until: number): Promise<ConductorEvent[]> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${running.port}/ws?after=0&token=${TOKEN}`);
    const events: ConductorEvent[] = [];
    ws.on('message', (data) => {
      events.push(JSON.parse(String(data)) as ConductorEvent);
      if (events.at(-1)?.seq === until) {
        ws.close();
        resolve(events);
      }
    });
    ws.on('error', reject);
  });
}

describe('a resumed run', () => {
  it('shows the whole run from the log: earlier attempts, then the resumed one live', async () => {
    const path = eventLogPath('run-1', await tempDir());
    const checkpoint = await originalRun(path);

    const history = await historyForResume(checkpoint, { workflow });
    expect(history.source).toBe('log');
    const { bus, running } = await resume(path, await lastSeqOf(path), 'log');
    bus.emit('agent_completed', { agent_name: 'reviewer', elapsed: 1, output: { verdict: 'ok' } });
    bus.emit('workflow_completed', { elapsed: 10, output: { verdict: 'ok' } });
    await expect.poll(() => running.dashboard.state().last_seq, WAIT).toBe(12);

    const s = await state(running);
    expect(s.run).toMatchObject({ status: 'completed', generation: 1, run_id: 'run-1' });
    expect(s.steps.planner?.attempts[0]).toMatchObject({
      status: 'completed',
      output: { plan: 'refactor' },
    });
    expect(s.steps.coder?.status).toBe('completed');
    expect(s.steps.reviewer?.attempts.map((a) => [a.generation, a.status])).toEqual([
      [0, 'failed'],
      [1, 'completed'],
    ]);
    expect(s.resumes).toMatchObject([{ generation: 1, seq: 9, history_source: 'log' }]);
    // A browser that connects late gets the run from its first event.
    const events = await socketEvents(running, 12);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(events[0]?.type).toBe('workflow_started');
  });

  it('shows a synthetic summary when the log is gone, marked as such, then the resumed run', async () => {
    const path = eventLogPath('run-1', await tempDir());
    const checkpoint = await originalRun(path);
    await unlink(path);

    const history = await historyForResume(checkpoint, { workflow });
    expect(history.source).toBe('synthetic');
    // As the engine does: the summary is written to the log, and the resumed run appends after it.
    await writeLog(path, history.events);
    const { running } = await resume(path, Math.max(checkpoint.last_seq ?? 0, history.lastSeq), 'synthetic');
    await expect.poll(() => running.dashboard.state().last_seq, WAIT).toBe(10);

    const s = await state(running);
    expect(s.run).toMatchObject({ status: 'running', generation: 1, has_synthetic_history: true });
    expect(s.graph?.agents.map((a) => a.name)).toEqual(['planner', 'coder', 'reviewer']);
    expect(s.steps.planner?.attempts[0]).toMatchObject({
      status: 'completed',
      synthetic: true,
      output: { plan: 'refactor' },
    });
    expect(s.steps.coder?.attempts[0]).toMatchObject({
      status: 'completed',
      synthetic: true,
      output: { diff: '+1 -1' },
    });
    expect(s.steps.reviewer?.attempts.map((a) => [a.status, a.synthetic])).toEqual([
      ['failed', true],
      ['running', false],
    ]);
    const events = await socketEvents(running, 10);
    expect(events.map((e) => [e.seq, e.data.synthetic === true])).toEqual([
      [1, true],
      [2, true],
      [3, true],
      [4, true],
      [5, true],
      [6, true],
      [7, true],
      // 8 was the original run's last seq; the summary needs fewer. Seqs increase, they need not be dense.
      [9, false],
      [10, false],
    ]);
  });
});

describe('memory', () => {
  it('the state of a 100,000-event log is the size of the state of a 100-event log of the same workflow', async () => {
    const { runEvents, writeLog } = await import('./test-helpers.js');
    const sizes: number[] = [];
    for (const count of [100, 100_000]) {
      const path = eventLogPath('run-1', await tempDir());
      await writeLog(path, runEvents(count));
      const running = await startDashboard({ history: jsonlStore(path), token: TOKEN });
      cleanup.push(() => running.close());
      const response = await fetch(new URL('/api/state', running.url), {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      const text = await response.text();
      expect((JSON.parse(text) as { last_seq: number }).last_seq).toBe(count);
      sizes.push(text.length);
    }
    // Only the digits of counters (seqs, characters streamed) may differ.
    expect(Math.abs((sizes[1] as number) - (sizes[0] as number))).toBeLessThan(100);
  });
});
