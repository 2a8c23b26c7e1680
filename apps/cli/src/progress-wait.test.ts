import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgressReporter, waitLeft } from './progress.js';

describe('a wait step in the terminal', () => {
  it('says what is left of the wait', () => {
    expect(waitLeft(112, 100)).toBe('12s left');
    expect(waitLeft(112, 111.2)).toBe('1s left');
    expect(waitLeft(112, 130)).toBe('0s left');
    expect(waitLeft(200, 100)).toBe('1m40s left');
  });

  it('counts down on the spinner', async () => {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
    });
    const progress = createProgressReporter({
      stream: stream as unknown as NodeJS.WriteStream,
      tty: true,
      colours: false,
    });
    const now = Date.now() / 1000;
    progress.onEvent({
      seq: 1,
      type: 'workflow_started',
      timestamp: now,
      data: { name: 'w', entry_point: 'pause', agents: [{ name: 'pause', type: 'wait' }] },
    });
    progress.onEvent({
      seq: 2,
      type: 'wait_started',
      timestamp: now,
      data: { agent_name: 'pause', duration_seconds: 90 },
    });
    await expect.poll(() => text).toMatch(/pause \(wait\) 1m(30|29)s left/);
    progress.close();
  });
});
