import type { ConductorEvent } from '@conductor/events';
import { describe, expect, it } from 'vitest';
import {
  type ActivityRow,
  appendRows,
  appendToWindow,
  categoryOf,
  MAX_ROWS,
  oldestSeq,
  prependToWindow,
  rowOf,
  summarize,
  windowOf,
} from './activity';

let seq = 0;
function ev(type: string, data: Record<string, unknown> = {}): ConductorEvent {
  seq += 1;
  return { seq, type, timestamp: 1_700_000_000 + seq, data };
}

describe('activity rows: what each event says', () => {
  it('sorts events into the filters a person picks from', () => {
    expect(
      [
        'workflow_started',
        'workflow_failed',
        'route_taken',
        'checkpoint_saved',
        'checkpoint_save_failed',
        'iteration_limit_reached',
        'agent_started',
        'agent_prompt_rendered',
        'agent_message',
        'agent_reasoning',
        'agent_tool_start',
        'agent_tool_complete',
        'agent_retry',
        'agent_completed',
        'script_failed',
        'child_process_spawned',
        'wait_completed',
        'gate_presented',
        'gate_resolved',
        'subworkflow_started',
        'parallel_started',
        'parallel_agent_completed',
        'parallel_agent_failed',
        'for_each_item_started',
        'for_each_item_failed',
        'for_each_completed',
      ].map((type) => [type, categoryOf(type)]),
    ).toEqual([
      ['workflow_started', 'run'],
      ['workflow_failed', 'error'],
      ['route_taken', 'run'],
      ['checkpoint_saved', 'run'],
      ['checkpoint_save_failed', 'error'],
      ['iteration_limit_reached', 'run'],
      ['agent_started', 'step'],
      ['agent_prompt_rendered', 'message'],
      ['agent_message', 'message'],
      ['agent_reasoning', 'message'],
      ['agent_tool_start', 'tool'],
      ['agent_tool_complete', 'tool'],
      ['agent_retry', 'error'],
      ['agent_completed', 'step'],
      ['script_failed', 'error'],
      ['child_process_spawned', 'step'],
      ['wait_completed', 'step'],
      ['gate_presented', 'gate'],
      ['gate_resolved', 'gate'],
      ['subworkflow_started', 'step'],
      ['parallel_started', 'group'],
      ['parallel_agent_completed', 'group'],
      ['parallel_agent_failed', 'error'],
      ['for_each_item_started', 'group'],
      ['for_each_item_failed', 'error'],
      ['for_each_completed', 'group'],
    ]);
  });

  it('sorts event types a newer conductor added by their names', () => {
    expect(
      [
        'workflow_paused',
        'dialog_failed',
        'gate_expired',
        'agent_tool_denied',
        'for_each_item_skipped',
        'agent_paused',
      ].map(categoryOf),
    ).toEqual(['run', 'error', 'gate', 'tool', 'group', 'step']);
  });

  it('summarizes the run, its routes and checkpoints', () => {
    const summaries = [
      ev('workflow_started', { name: 'review', entry_point: 'a', agents: [{ name: 'a' }, { name: 'b' }] }),
      ev('workflow_resumed', {
        run_id: 'r',
        resumed_at_step: 'b',
        generation: 2,
        history_source: 'synthetic',
      }),
      ev('workflow_completed', { elapsed: 75, output: { ok: true } }),
      ev('workflow_completed', { status: 'failed', termination_reason: 'gave up' }),
      ev('workflow_failed', {
        error_type: 'ProviderError',
        message: 'rate limited',
        checkpoint_path: '/c.json',
      }),
      ev('workflow_failed', { error_type: 'Interrupted', stopped_by_user: true }),
      ev('route_taken', { from_agent: 'a', to_agent: 'b' }),
      ev('checkpoint_saved', { path: '/c.json', trigger: 'periodic' }),
      ev('checkpoint_save_failed', { trigger: 'failure', error_type: 'ENOSPC' }),
      ev('iteration_limit_reached', { agent_name: 'a', current_iteration: 10, max_iterations: 10 }),
      ev('iteration_limit_resolved', { continue_execution: true, additional_iterations: 5 }),
      ev('iteration_limit_resolved', { continue_execution: false }),
    ].map(summarize);
    expect(summaries).toEqual([
      'Started “review” with 2 steps',
      'Resumed at b (resume 2, history from checkpoint summary)',
      'Completed in 1m 15s — {"ok":true}',
      'Terminated: gave up',
      'ProviderError: rate limited — checkpoint saved',
      'Stopped by user',
      'a → b',
      'Checkpoint saved (periodic): /c.json',
      'Checkpoint not saved (failure): ENOSPC',
      'Iteration limit reached: 10/10',
      'Continuing for 5 more iterations',
      'Stopping at the iteration limit',
    ]);
  });

  it('summarizes steps: starts, text, tools, retries, completions and failures', () => {
    const a = { agent_name: 'a' };
    const summaries = [
      ev('agent_started', { ...a, iteration: 3 }),
      ev('script_started', { ...a, iteration: 1 }),
      ev('subworkflow_started', { ...a, workflow: 'child.yaml' }),
      ev('wait_started', { ...a, duration_seconds: 90, reason: 'cool down' }),
      ev('wait_completed', { ...a, waited_seconds: 2, interrupted: false }),
      ev('wait_completed', { ...a, waited_seconds: 1, interrupted: true }),
      ev('agent_prompt_rendered', { ...a, rendered_prompt: 'Write\n  about owls' }),
      ev('agent_message', { ...a, content: 'Hello' }),
      ev('agent_tool_start', { ...a, tool_name: 'read_file', arguments: { path: 'x.ts' } }),
      ev('agent_tool_complete', { ...a, tool_name: 'read_file' }),
      ev('agent_retry', { ...a, attempt: 2, max_attempts: 3, error: 'timeout' }),
      ev('agent_completed', {
        ...a,
        elapsed: 2.5,
        input_tokens: 1000,
        output_tokens: 234,
        cost_usd: 0.5,
        output: 'hi',
      }),
      ev('script_completed', { ...a, elapsed: 0.25, exit_code: 0, stdout: 'done\n' }),
      ev('set_completed', { ...a, value_repr: '42' }),
      ev('subworkflow_completed', { ...a, output: 7 }),
      ev('agent_failed', { ...a, error_type: 'ProviderError', message: 'bad key' }),
      ev('set_failed', a),
      ev('child_process_spawned', { ...a, kind: 'script', pid: 7, pgid: 7, process_start: null, host: 'h' }),
    ].map(summarize);
    expect(summaries).toEqual([
      'Started (iteration 3)',
      'Started',
      'Started child.yaml',
      'Waiting 1m 30s — cool down',
      'Waited 2.0s',
      'Wait interrupted',
      'Write about owls',
      'Hello',
      'read_file({"path":"x.ts"})',
      'read_file → done',
      'Retry 2/3: timeout',
      'Completed in 2.5s · 1,234 tokens · $0.50 — hi',
      'Exited 0 in 250ms — done',
      'Set — 42',
      'Completed — 7',
      'ProviderError: bad key',
      'failed',
      '{"kind":"script","pid":7,"pgid":7,"process_start":null,"host":"h"}',
    ]);
  });

  it('summarizes gates with the answer and the text given', () => {
    expect(summarize(ev('gate_presented', { agent_name: 'g', prompt: 'Ship it?', options: [] }))).toBe(
      'Waiting for a decision: Ship it?',
    );
    expect(
      summarize(
        ev('gate_resolved', {
          agent_name: 'g',
          selected_option: 'yes',
          route: 'publish',
          additional_input: { note: 'looks good', empty: '' },
        }),
      ),
    ).toBe('Selected “yes” → publish — note: looks good');
    expect(
      summarize(ev('gate_resolved', { agent_name: 'g', selected_option: 'no', additional_input: 'why' })),
    ).toBe('Selected “no” — text: why');
  });

  it("summarizes a step's validator and its dialog, and files them under Steps and Gates", () => {
    const a = { agent_name: 'plan' };
    const d = { ...a, dialog_id: 'd1' };
    const rows = [
      ev('agent_validator_start', { ...a, model: 'gpt-mini' }),
      ev('agent_validator_complete', { ...a, passed: false, issues: ['name the file', 'add a line'] }),
      ev('agent_validation_failed', { ...a, issues: ['name the file'], will_retry: true }),
      ev('agent_validator_complete', { ...a, passed: true, errored: true, error: 'HTTP 500' }),
      ev('agent_rerun_failed', { ...a, cause: 'validator', error_type: 'ProviderError', message: 'gone' }),
      ev('dialog_evaluated', { ...a, trigger: true, question: 'Which dates?' }),
      ev('dialog_skipped', { ...a, reason: 'no_answerer', question: 'Which dates?' }),
      ev('dialog_started', { ...d, opening_question: 'Which dates?' }),
      ev('dialog_message', { ...d, role: 'user', content: 'May' }),
      ev('dialog_completed', { ...d, turn_count: 3, agent_proposed_continue: true }),
    ].map((event) => rowOf(event));
    expect(rows.map((row) => [row.category, row.summary])).toEqual([
      ['step', 'Validating the answer with gpt-mini'],
      ['step', 'Validation failed: name the file; add a line'],
      ['step', 'Running again with the feedback: name the file'],
      ['step', 'Validation could not decide (counted as a pass): HTTP 500'],
      ['error', 'The re-run after the validator failed; the answer before it is kept: ProviderError: gone'],
      ['gate', 'Wants to talk: Which dates?'],
      ['gate', 'Dialog skipped: nobody could answer “Which dates?”'],
      ['gate', 'Dialog opened: Which dates?'],
      ['gate', 'You: May'],
      ['gate', 'Dialog ended by the agent after 3 messages'],
    ]);
  });

  it('summarizes groups, their members and items, and names the item of an item step', () => {
    const summaries = [
      ev('parallel_started', { group_name: 'team', agents: ['a', 'b'], failure_mode: 'continue_on_error' }),
      ev('for_each_started', { group_name: 'each', item_count: 1, max_concurrent: 4 }),
      ev('for_each_item_started', { group_name: 'each', index: 0, item_key: 'owl' }),
      ev('agent_started', { agent_name: 'each[0]', group_name: 'each', index: 0, item_key: 'owl' }),
      ev('for_each_item_completed', {
        group_name: 'each',
        index: 0,
        item_key: 'owl',
        elapsed: 3,
        output: 'ok',
      }),
      ev('for_each_item_failed', { group_name: 'each', index: 1, error_type: 'Boom' }),
      ev('parallel_agent_completed', { group_name: 'team', agent_name: 'a', output: 1 }),
      ev('parallel_agent_failed', { group_name: 'team', agent_name: 'b', message: 'no' }),
      ev('parallel_completed', { group_name: 'team', success_count: 1, failure_count: 1, elapsed: 4 }),
      ev('for_each_completed', { group_name: 'each', success_count: 1, failure_count: 0 }),
    ].map(summarize);
    expect(summaries).toEqual([
      'parallel group team: started 2 members (a, b) · continue on error',
      'for-each group each: 1 item, 4 at once',
      'item 0 (owl) started',
      'item 0 (owl): Started',
      'item 0 (owl) completed in 3.0s — ok',
      'item 1 failed: Boom',
      'a completed — 1',
      'b failed: no',
      'parallel group team: 1 done, 1 failed in 4.0s',
      'for-each group each: 1 done, 0 failed',
    ]);
  });

  it('shows an event of a type it does not know, or with data that does not fit, as its fields', () => {
    expect(summarize(ev('agent_paused', { agent_name: 'a', reason: 'user' }))).toBe('{"reason":"user"}');
    expect(summarize(ev('dialog_failed', { error_type: 'X', message: 'gone' }))).toBe('X: gone');
    // A route with no destination is shown as it is, not as a route to "?".
    expect(summarize(ev('route_taken', { from_agent: 'a' }))).toBe('{"from_agent":"a"}');
  });
});

describe('activity rows: the stream', () => {
  it('keys each row to its step, group and sub-workflow, and marks synthetic history', () => {
    const row = rowOf(
      ev('agent_started', { agent_name: 'inner', subworkflow_path: ['review'], synthetic: true }),
    );
    expect(row).toMatchObject({
      step: 'review/inner',
      group: null,
      path: 'review',
      synthetic: true,
      category: 'step',
    });
    expect(rowOf(ev('agent_started', { agent_name: 'each[2]', group_name: 'each', index: 2 }))).toMatchObject(
      {
        step: 'each',
        group: 'each',
      },
    );
    expect(rowOf(ev('parallel_agent_completed', { agent_name: 'a', group_name: 'team' }))).toMatchObject({
      step: 'a',
      group: 'team',
    });
    expect(rowOf(ev('workflow_completed', {}))).toMatchObject({ step: null, group: null, path: '' });
  });

  it('coalesces streamed chunks of one step into one row, and no others', () => {
    const rows = appendRows(
      [],
      [
        ev('agent_message', { agent_name: 'a', content: 'Hel' }),
        ev('agent_message', { agent_name: 'a', content: 'lo' }),
        ev('agent_reasoning', { agent_name: 'a', content: 'hmm' }),
        ev('agent_message', { agent_name: 'b', content: 'x' }),
        ev('agent_message', { agent_name: 'b', content: 'y', synthetic: true }),
      ],
    );
    expect(rows.map((r: ActivityRow) => [r.type, r.summary, r.count, r.chars])).toEqual([
      ['agent_message', 'Hello', 2, 5],
      ['agent_reasoning', 'hmm', 1, 3],
      ['agent_message', 'x', 1, 1],
      ['agent_message', 'y', 1, 1],
    ]);
    expect(rows[0]?.lastSeq).toBe((rows[0]?.seq ?? 0) + 1);
  });

  it('keeps at most MAX_ROWS rows, dropping the oldest while following and stopping while reading', () => {
    const events = Array.from({ length: MAX_ROWS + 10 }, (_, i) =>
      ev('agent_started', { agent_name: `s${i}` }),
    );
    const window = windowOf(events, false);
    expect(window.rows).toHaveLength(MAX_ROWS);
    expect(window.hasOlder).toBe(true);
    expect(oldestSeq(window)).toBe(events[10]?.seq);

    const more = [ev('agent_started', { agent_name: 'late' })];
    const followed = appendToWindow(window, more, true);
    expect(followed.rows.at(-1)?.seq).toBe(more[0]?.seq);
    expect(followed.rows).toHaveLength(MAX_ROWS);
    const reading = appendToWindow(window, more, false);
    expect(reading.hasNewer).toBe(true);
    expect(reading.rows.at(-1)?.seq).toBe(window.rows.at(-1)?.seq);
    // Paused: nothing more is added until the reader jumps back to the latest rows.
    expect(appendToWindow(reading, [ev('agent_started', { agent_name: 'later' })])).toBe(reading);
  });

  it('prepends an older page without repeating rows it already holds', () => {
    const older = [ev('agent_started', { agent_name: 'a' }), ev('agent_completed', { agent_name: 'a' })];
    const newer = [ev('agent_started', { agent_name: 'b' })];
    const window = windowOf(newer, true);
    const paged = prependToWindow(window, [...older, ...newer], false);
    expect(paged.rows.map((r) => r.seq)).toEqual([...older, ...newer].map((e) => e.seq));
    expect(paged.hasOlder).toBe(false);
  });
});
