import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEventLog } from '@conductor/event-log';
import type { ConductorEvent } from '@conductor/events';

export function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'conductor-dashboard-'));
}

export const AGENTS = ['planner', 'coder', 'reviewer', 'tester', 'writer'];

export const WORKFLOW_STARTED = {
  name: 'review',
  entry_point: 'planner',
  agents: AGENTS.map((name) => ({ name, type: 'agent', model: 'gpt-5' })),
  routes: AGENTS.slice(1).map((to, i) => ({ from: AGENTS[i] as string, to })),
  run_id: 'run-1',
};

/**
 * A realistic run of `count` events over the five agents: workflow_started, then for each step
 * agent_started, many agent_message, agent_completed. Seqs 1..count, timestamps 10 ms apart.
 */
export function* runEvents(count: number, start = 1): Generator<ConductorEvent> {
  const perStep = Math.max(3, Math.ceil((count - 1) / AGENTS.length));
  for (let seq = start; seq < start + count; seq++) {
    const i = seq - 1;
    const timestamp = 1_732_170_000 + i / 100;
    if (i === 0) {
      yield { seq, type: 'workflow_started', timestamp, data: { ...WORKFLOW_STARTED } };
      continue;
    }
    const step = Math.min(AGENTS.length - 1, Math.floor((i - 1) / perStep));
    const within = i - 1 - step * perStep;
    const agent_name = AGENTS[step] as string;
    const type =
      within === 0 ? 'agent_started' : within === perStep - 1 ? 'agent_completed' : 'agent_message';
    const data: Record<string, unknown> =
      type === 'agent_started'
        ? { agent_name, iteration: 1, agent_type: 'agent' }
        : type === 'agent_completed'
          ? { agent_name, elapsed: 1.5, tokens: 1200, output: { summary: `${agent_name} done` } }
          : { agent_name, content: `token ${i} ` };
    yield { seq, type, timestamp, data };
  }
}

/** The gate `approve` asking "Ship it?", as `gate_presented` at `seq`. */
export function gatePresented(
  seq: number,
  options = [
    { label: 'Yes', value: 'yes', route: 'ship' },
    { label: 'No', value: 'no', route: 'fix' },
  ],
): ConductorEvent {
  return {
    seq,
    type: 'gate_presented',
    timestamp: 2_000_000_000,
    data: { agent_name: 'approve', prompt: 'Ship it?', options },
  };
}

/**
 * The agent step `plan` in a dialog, from `seq`: `dialog_started`, then (unless `replying`) the agent's
 * opening question, so it waits for the user.
 */
export function dialogOpen(seq: number, replying = false): ConductorEvent[] {
  const base = { timestamp: 2_000_000_000, data: { agent_name: 'plan', dialog_id: 'd1' } };
  const started: ConductorEvent = {
    ...base,
    seq,
    type: 'dialog_started',
    data: { ...base.data, opening_question: 'Which dates?' },
  };
  if (replying) return [started];
  return [
    started,
    {
      ...base,
      seq: seq + 1,
      type: 'dialog_message',
      data: { ...base.data, role: 'agent', content: 'Which dates?' },
    },
  ];
}

export async function writeLog(
  path: string,
  events: Iterable<ConductorEvent> | AsyncIterable<ConductorEvent>,
): Promise<void> {
  const writer = await openEventLog(path);
  for await (const event of events) writer.append(event);
  await writer.close();
}

/**
 * Options for `expect.poll` / `vi.waitFor`: these tests wait on real files, sockets and processes, so
 * longer than the 1 s default, and they look often, as a burst may be over in a few ms.
 */
export const WAIT = { timeout: 10_000, interval: 5 };
