import { describe, expect, it } from 'vitest';
import { OLDER_OUTPUT_CHARS_KEPT, OUTPUT_CHARS_KEPT, TEXT_CHARS_KEPT } from './bounded.js';
import type { ConductorEvent } from './envelope.js';
import { boundValue, isOutputRef, scriptOutputOf, spillsOf } from './outputs.js';
import { projectEvents } from './projection.js';

let seq = 0;
const ev = (type: string, data: Record<string, unknown> = {}): ConductorEvent => {
  seq += 1;
  return { seq, type, timestamp: 1000 + seq, data };
};
const started = () =>
  ev('workflow_started', {
    name: 'big',
    entry_point: 'loop',
    agents: [
      { name: 'loop', type: 'script' },
      { name: 'write', type: 'agent' },
    ],
    inputs: { doc: 'd'.repeat(100_000) },
  });
const spill = {
  ref: 'g0-1-loop.stdout',
  path: '/runs/r/outputs/g0-1-loop.stdout',
  bytes: 5e7,
  head_chars: 25_000,
  sha256: 'ab',
};

describe('scriptOutputOf', () => {
  it('rebuilds a script output from its completion: streams, spill fields, then JSON fields on top', () => {
    expect(scriptOutputOf({ stdout: '{"ok":true,"exit_code":9}', stderr: '', exit_code: 0 })).toEqual({
      stdout: '{"ok":true,"exit_code":9}',
      stderr: '',
      exit_code: 9,
      ok: true,
    });
    expect(
      scriptOutputOf({ stdout: '{"ok":', stderr: 'e', exit_code: 1, spills: { stdout: spill } }),
    ).toEqual({
      stdout: '{"ok":',
      stderr: 'e',
      exit_code: 1,
      stdout_truncated: true,
      stdout_bytes: 5e7,
      stdout_file: spill.path,
    });
    // An event that carries its output (earlier versions, synthesized history) gives it as it is.
    expect(scriptOutputOf({ stdout: 'x', output: { stdout: 'x', n: 1 } })).toEqual({ stdout: 'x', n: 1 });
  });

  it('ignores spill entries whose ref could name something outside the outputs folder', () => {
    for (const ref of ['../x', '.hidden', 'a/b', 'a\\b', '', 'x..y']) expect(isOutputRef(ref)).toBe(false);
    expect(spillsOf({ spills: { stdout: { ...spill, ref: '../../etc/passwd' } } })).toEqual({});
    expect(spillsOf({ spills: { stdout: spill } })).toEqual({ stdout: spill });
  });
});

describe('boundValue', () => {
  it('keeps small values as they are and cuts big ones to about the limit, saying how big they were', () => {
    const small = { a: 1, b: 'two' };
    expect(boundValue(small, 100)).toEqual({ value: small, truncated: false, size: 17 });
    const big = { text: 'x'.repeat(10_000), list: Array.from({ length: 1000 }, (_, i) => i) };
    const bounded = boundValue(big, 1000);
    expect(bounded.truncated).toBe(true);
    expect(bounded.size).toBe(JSON.stringify(big).length);
    expect(JSON.stringify(bounded.value).length).toBeLessThanOrEqual(1000);
    expect((bounded.value as { text: string }).text.startsWith('xxx')).toBe(true);
    expect(boundValue('y'.repeat(50), 10)).toEqual({ value: `${'y'.repeat(9)}…`, truncated: true, size: 50 });
  });
});

describe('projection of large outputs', () => {
  it('keeps /api/state small whatever the outputs: heads of outputs, prompts, inputs and errors', () => {
    seq = 0;
    const events: ConductorEvent[] = [started()];
    const huge = 'z'.repeat(1_000_000);
    for (let i = 0; i < 30; i++) {
      events.push(ev('script_started', { agent_name: 'loop', iteration: i + 1 }));
      events.push(
        ev('script_completed', {
          agent_name: 'loop',
          stdout: huge,
          stderr: huge,
          exit_code: 0,
          spills: { stdout: spill },
        }),
      );
    }
    events.push(ev('agent_started', { agent_name: 'write' }));
    events.push(ev('agent_prompt_rendered', { agent_name: 'write', rendered_prompt: huge }));
    events.push(ev('agent_failed', { agent_name: 'write', error_type: 'X', message: huge }));
    events.push(ev('workflow_completed', { output: { huge } }));
    const state = projectEvents(events);
    expect(JSON.stringify(state).length).toBeLessThan(100 * 1024);

    const attempts = state.steps.loop?.attempts ?? [];
    const latest = attempts.at(-1);
    expect(latest?.output_truncated).toBe(true);
    expect(latest?.output_size).toBeGreaterThan(2_000_000);
    expect(latest?.spills).toEqual({ stdout: spill });
    expect(JSON.stringify(latest?.output).length).toBeLessThanOrEqual(OUTPUT_CHARS_KEPT);
    // Older attempts keep a smaller head.
    expect(JSON.stringify(attempts[0]?.output).length).toBeLessThanOrEqual(OLDER_OUTPUT_CHARS_KEPT);
    const write = state.steps.write?.attempts[0];
    expect(write?.prompt?.length).toBe(TEXT_CHARS_KEPT);
    expect(write?.prompt_truncated).toBe(true);
    expect(write?.error?.message?.length).toBe(TEXT_CHARS_KEPT);
    expect(state.run.output_truncated).toBe(true);
    expect(String(state.run.inputs.doc).length).toBeLessThanOrEqual(OLDER_OUTPUT_CHARS_KEPT);
  });

  it('leaves small outputs exactly as they were', () => {
    seq = 0;
    const state = projectEvents([
      started(),
      ev('script_started', { agent_name: 'loop' }),
      ev('script_completed', { agent_name: 'loop', stdout: '{"n":1}', stderr: '', exit_code: 0 }),
    ]);
    const attempt = state.steps.loop?.attempts[0];
    expect(attempt?.output).toEqual({ stdout: '{"n":1}', stderr: '', exit_code: 0, n: 1 });
    expect(attempt).not.toHaveProperty('output_truncated');
    expect(attempt).not.toHaveProperty('spills');
  });
});
