import type { ConductorEvent } from '@conductor/events';
import { describe, expect, it } from 'vitest';
import { windowOf } from './activity';
import { itemsOf } from './activityItems';
import { isProse, readingOrder } from './valueShape';

describe('how an output is laid out for reading', () => {
  it("puts a script's parsed fields first and folds its raw stdout away", () => {
    const stdout = `${JSON.stringify({ rows: [1, 2, 3], total: 3 })}\n`;
    const { shown, raw } = readingOrder({ stdout, stderr: '', exit_code: 0, rows: [1, 2, 3], total: 3 });
    expect(Object.keys(shown as object)).toEqual(['rows', 'total', 'exit_code']);
    expect(raw).toEqual([{ field: 'stdout', text: stdout, folded: true }]);
  });

  it("shows a failed script's stderr and exit code", () => {
    const { shown, raw } = readingOrder({ stdout: '', stderr: 'no such table\n', exit_code: 3 });
    expect(shown).toEqual({ exit_code: 3, stderr: 'no such table\n' });
    expect(raw).toEqual([]);
  });

  it('keeps a long stdout that parsed to nothing open, as text', () => {
    const { shown, raw } = readingOrder({ stdout: 'line 0\nline 1\n', stderr: '', exit_code: 0 });
    expect(shown).toEqual({ exit_code: 0 });
    expect(raw).toEqual([{ field: 'stdout', text: 'line 0\nline 1\n', folded: false }]);
  });

  it('shows the head of a stdout stored whole elsewhere, open: its spill notes are not parsed fields', () => {
    const { shown, raw } = readingOrder({
      stdout: 'row 0\nrow 1\n',
      stderr: '',
      exit_code: 0,
      stdout_truncated: true,
      stdout_bytes: 2_000_000,
      stdout_file: '/runs/r/outputs/x.txt',
    });
    expect(Object.keys(shown as object)).toEqual([
      'exit_code',
      'stdout_truncated',
      'stdout_bytes',
      'stdout_file',
    ]);
    expect(raw).toEqual([{ field: 'stdout', text: 'row 0\nrow 1\n', folded: false }]);
  });

  it('leaves other objects and lists as they are', () => {
    expect(readingOrder({ title: 'x', stdout: 'not a script' }).shown).toEqual({
      title: 'x',
      stdout: 'not a script',
    });
    expect(readingOrder([1, 2]).shown).toEqual([1, 2]);
  });

  it('renders Markdown prose, not one-liners or logs', () => {
    expect(isProse('# Report\n\n- one finding\n- another **finding**\n')).toBe(true);
    expect(isProse('write: text (mock)')).toBe(false);
    expect(isProse('line 0.....\nline 1.....\nline 2.....\n')).toBe(false);
  });
});

describe('search in the activity', () => {
  const events: ConductorEvent[] = [
    { seq: 1, type: 'agent_started', timestamp: 1, data: { agent_name: 'planner' } },
    {
      seq: 2,
      type: 'agent_completed',
      timestamp: 2,
      data: { agent_name: 'planner', output: 'the owl plan' },
    },
    { seq: 3, type: 'agent_started', timestamp: 3, data: { agent_name: 'writer' } },
  ];
  const window = windowOf(events, false);
  const seqs = (query: string) =>
    itemsOf(window, [], { step: null, path: null, hidden: new Set(), query }).map((i) => i.key);

  it('keeps the rows whose summary, type or step says the text, in any case', () => {
    expect(seqs('')).toEqual(['1', '2', '3']);
    expect(seqs('OWL')).toEqual(['2']);
    expect(seqs('writer')).toEqual(['3']);
    expect(seqs('agent_started')).toEqual(['1', '3']);
    expect(seqs('nothing like it')).toEqual([]);
  });
});
