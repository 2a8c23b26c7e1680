import type { ConductorEvent, ResumeMark } from '@conductor/events';
import { describe, expect, it } from 'vitest';
import { appendRows, summarize } from './activity';
import { formatDateTime, formatTime } from './format';

const at = (seq: number, type: string, timestamp: number, data: Record<string, unknown> = {}) =>
  ({ seq, type, timestamp, data }) as ConductorEvent;

const resume = (generation: number, stoppedAt: number, resumedAt: number): ResumeMark => ({
  generation,
  seq: 10 * generation,
  at: resumedAt,
  stopped_at: stoppedAt,
  checkpoint_path: null,
  checkpoint_created_at: null,
  resumed_at_step: 'b',
  history_source: 'log',
});

describe('the numbers activity rows show', () => {
  it("gives the run's active and wall time on its Completed row, across resumes", () => {
    const timing = { startedAt: 1000, resumes: [resume(1, 1010, 1100)] };
    const [row] = appendRows([], [at(20, 'workflow_completed', 1128, { elapsed: 0.285 })], timing);
    // 128 s from the first start; 90 s of them the run was down between its failure and its resume.
    expect(row?.summary).toBe('Completed — active 38s · wall 2m 08s');
  });

  it('says only what a synthetic summary knows: no exit code it does not have, one row per failure', () => {
    expect(summarize(at(1, 'script_completed', 1, { agent_name: 's', synthetic: true }))).toBe('Completed');
    expect(summarize(at(1, 'script_completed', 1, { agent_name: 's', exit_code: 0, elapsed: 0.42 }))).toBe(
      'Exited 0 in 420ms',
    );
    const failure = { error_type: 'Boom', message: 'it broke', agent_name: 's', synthetic: true };
    const rows = appendRows(
      [],
      [
        at(1, 'script_failed', 1, failure),
        at(2, 'workflow_failed', 1, { ...failure, checkpoint_path: '/c.json' }),
      ],
    );
    expect(rows.map((r) => r.summary)).toEqual(['Boom: it broke — the run stopped, checkpoint saved']);
    // A live run's failure and the run's end stay two rows, as the log has them.
    const live = appendRows(
      [],
      [
        at(1, 'script_failed', 1, { ...failure, synthetic: false }),
        at(2, 'workflow_failed', 1, { ...failure, synthetic: false }),
      ],
    );
    expect(live).toHaveLength(2);
  });

  it('formats every time the same way: 24-hour, with the date when it is not today', () => {
    const noon = new Date(2026, 10, 30, 13, 5, 9, 42).getTime() / 1000;
    expect(formatDateTime(noon, noon + 60)).toBe('13:05:09');
    expect(formatTime(noon, noon + 60)).toBe('13:05:09.042');
    const dayBefore = noon + 86_400;
    expect(formatDateTime(noon, dayBefore)).toMatch(/^\D*(Nov|11)\D*30\D*2026\D* 13:05:09$|2026.*13:05:09$/);
    expect(formatTime(noon, dayBefore)).toMatch(/2026.* 13:05:09\.042$/);
  });
});

describe('for-each items in the activity', () => {
  it('shows one row per item event: the body step of an item does not repeat it', () => {
    const item = { group_name: 'each', index: 4, item_key: '4' };
    const body = { ...item, agent_name: 'each[4]' };
    const rows = appendRows(
      [],
      [
        at(1, 'for_each_item_started', 1, { ...item, item_preview: 'owls of the north' }),
        at(2, 'set_started', 1, body),
        at(3, 'set_completed', 2, { ...body, elapsed: 0.5 }),
        at(4, 'for_each_item_completed', 2, { ...item, elapsed: 0.5, output: 'done' }),
      ],
    );
    expect(rows.map((r) => [r.seq, r.summary])).toEqual([
      [1, 'item 4 (owls of the north) started'],
      [3, 'item 4 completed in 500ms — done'],
    ]);
  });
});

describe('the countdown of a wait step', () => {
  it('says what is left, and nothing once the wait is over', async () => {
    const { waitLeftText } = await import('./WaitCountdown');
    expect(waitLeftText(112, 100)).toBe('12s left');
    expect(waitLeftText(200, 100.5)).toBe('1m 40s left');
    expect(waitLeftText(112, 112)).toBeNull();
  });
});
