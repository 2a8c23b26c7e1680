import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConductorEvent } from '@conductor/events';

/**
 * The log of a finished run for the run view's browser tests, as the engine writes one: a script whose
 * stdout parsed into fields, a for-each group of 60 items without keys, a parallel group whose member
 * called a tool, a script whose 2 MB stdout was stored whole in the run's outputs folder, and a report
 * step that failed, was resumed 90 s later, and finished with a Markdown answer.
 */
export const BIG_REF = 'big-stdout-0001.txt';
export const BIG_BYTES = 2_000_000;
export const ITEMS = 60;
export const DOWN_SECONDS = 90;

export function runViewLog(
  outputsDir: string,
  start = Math.floor(Date.now() / 1000) - 600,
): ConductorEvent[] {
  mkdirSync(outputsDir, { recursive: true });
  const line = (i: number) => `${`row ${i}`.padEnd(99, '.')}\n`;
  let whole = '';
  for (let i = 0; whole.length < BIG_BYTES; i++) whole += line(i);
  whole = whole.slice(0, BIG_BYTES);
  writeFileSync(join(outputsDir, BIG_REF), whole);

  const events: ConductorEvent[] = [];
  const add = (at: number, type: string, data: Record<string, unknown> = {}) =>
    events.push({ seq: events.length + 1, type, timestamp: start + at, data });
  add(0, 'workflow_started', {
    name: 'runview',
    entry_point: 'fetch',
    run_id: 'run-view-1',
    agents: [
      { name: 'fetch', type: 'script' },
      { name: 'web', type: 'agent' },
      { name: 'papers', type: 'agent' },
      { name: 'big', type: 'script' },
      { name: 'report', type: 'agent' },
    ],
    routes: [
      { from: 'fetch', to: 'each' },
      { from: 'each', to: 'research' },
      { from: 'research', to: 'big' },
      { from: 'big', to: 'report' },
      { from: 'report', to: '$end' },
    ],
    parallel_groups: [{ name: 'research', agents: ['web', 'papers'] }],
    for_each_groups: [{ name: 'each', source: 'fetch.output.cities', agent_type: 'set' }],
  });
  const parsed = {
    cities: Array.from({ length: ITEMS }, (_, i) => `city-${i}`),
    source: 'atlas',
    total: ITEMS,
  };
  add(0, 'script_started', { agent_name: 'fetch' });
  add(2, 'script_completed', {
    agent_name: 'fetch',
    elapsed: 2,
    exit_code: 0,
    stderr: '',
    stdout: `${JSON.stringify(parsed, null, 2)}\n`,
  });
  add(2, 'for_each_started', { group_name: 'each', item_count: ITEMS, max_concurrent: 4 });
  for (let i = 0; i < ITEMS; i++) {
    const item = { group_name: 'each', index: i, item_key: String(i) };
    const at = 2 + (i * 6) / ITEMS;
    add(at, 'for_each_item_started', { ...item, item_preview: `city-${i}` });
    add(at + 0.05, 'for_each_item_completed', { ...item, elapsed: 0.05, output: `city-${i} mapped` });
  }
  add(8, 'for_each_completed', { group_name: 'each', success_count: ITEMS, failure_count: 0, elapsed: 6 });
  add(8, 'parallel_started', { group_name: 'research', agents: ['web', 'papers'] });
  add(8, 'agent_started', { agent_name: 'web', group_name: 'research' });
  add(8, 'agent_started', { agent_name: 'papers', group_name: 'research' });
  add(9, 'agent_tool_start', {
    agent_name: 'web',
    group_name: 'research',
    tool_name: 'search',
    call_id: 'c1',
    arguments: { q: 'owls' },
  });
  add(9.5, 'agent_tool_complete', {
    agent_name: 'web',
    group_name: 'research',
    tool_name: 'search',
    call_id: 'c1',
    result: '3 hits',
    elapsed: 0.5,
  });
  add(10, 'agent_completed', {
    agent_name: 'web',
    group_name: 'research',
    output: 'web found 3',
    elapsed: 2,
  });
  add(10, 'parallel_agent_completed', { agent_name: 'web', group_name: 'research', elapsed: 2 });
  add(11, 'agent_completed', {
    agent_name: 'papers',
    group_name: 'research',
    output: 'papers found 2',
    elapsed: 3,
  });
  add(11, 'parallel_agent_completed', { agent_name: 'papers', group_name: 'research', elapsed: 3 });
  add(11, 'parallel_completed', { group_name: 'research', success_count: 2, failure_count: 0, elapsed: 3 });
  add(11, 'script_started', { agent_name: 'big' });
  add(12, 'script_completed', {
    agent_name: 'big',
    elapsed: 1,
    exit_code: 0,
    stderr: '',
    stdout: whole.slice(0, 4000),
    spills: { stdout: { ref: BIG_REF, path: join(outputsDir, BIG_REF), bytes: BIG_BYTES, head_chars: 4000 } },
  });
  add(12, 'agent_started', { agent_name: 'report' });
  add(14, 'agent_failed', {
    agent_name: 'report',
    error_type: 'ProviderError',
    message: 'rate limited',
    elapsed: 2,
  });
  add(14, 'workflow_failed', {
    agent_name: 'report',
    error_type: 'ProviderError',
    message: 'rate limited',
    checkpoint_path: '/tmp/runview/checkpoint.json',
  });
  const back = 14 + DOWN_SECONDS;
  add(back, 'workflow_resumed', {
    run_id: 'run-view-1',
    resumed_at_step: 'report',
    generation: 1,
    history_source: 'log',
    checkpoint_path: '/tmp/runview/checkpoint.json',
  });
  add(back, 'agent_started', { agent_name: 'report' });
  add(back + 5, 'agent_completed', {
    agent_name: 'report',
    elapsed: 5,
    output: '# Findings\n\nThe survey covered **60 cities**.\n\n- web: 3 hits\n- papers: 2 hits\n',
  });
  add(back + 5, 'workflow_completed', { output: { cities: ITEMS, verdict: 'done' }, elapsed: 5 });
  return events;
}
