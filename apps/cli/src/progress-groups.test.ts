import { PassThrough } from 'node:stream';
import type { ConductorEvent } from '@conductor/events';
import { describe, expect, it } from 'vitest';
import { createProgressReporter } from './progress.js';

function reporter() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  const progress = createProgressReporter({ stream: stream as unknown as NodeJS.WriteStream, tty: false });
  let seq = 0;
  const emit = (type: string, data: Record<string, unknown>) => {
    seq += 1;
    const event: ConductorEvent = { seq, type, timestamp: 1000 + seq, data };
    progress.onEvent(event);
  };
  return { emit, lines: () => text.split('\n').filter(Boolean) };
}

describe('terminal progress of groups', () => {
  it('prints a line when a parallel or for_each group starts and one with its counts when it ends', () => {
    const { emit, lines } = reporter();
    emit('workflow_started', { name: 'batch', entry_point: 'each', agents: [], run_id: 'r1' });
    emit('for_each_started', { group_name: 'each', item_count: 2, max_concurrent: 2 });
    emit('for_each_item_started', { group_name: 'each', index: 0 });
    emit('for_each_item_completed', { group_name: 'each', index: 0 });
    emit('for_each_item_failed', { group_name: 'each', index: 1, error_type: 'Boom' });
    emit('for_each_completed', { group_name: 'each', success_count: 1, failure_count: 1, elapsed: 1.5 });
    emit('parallel_started', { group_name: 'team', agents: ['a', 'b'] });
    emit('parallel_completed', { group_name: 'team', success_count: 0, failure_count: 2, elapsed: 3 });
    expect(lines()).toEqual([
      '▶ batch  run r1',
      '▸ each (for each, 2)',
      '✓ each  1 done, 1 failed  1.50s',
      '▸ team (parallel, 2)',
      '✗ team  0 done, 2 failed  3.00s',
    ]);
  });
});
