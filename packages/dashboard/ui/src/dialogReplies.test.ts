import type { ConductorEvent } from '@conductor/events';
import { describe, expect, it } from 'vitest';
import { collectDialogReplies, REPLY_CHARS_KEPT } from './dialogReplies';

let seq = 0;
const ev = (type: string, data: Record<string, unknown>): ConductorEvent => ({
  seq: ++seq,
  type,
  timestamp: 1000 + seq,
  data,
});

describe('dialog replies in progress', () => {
  it("gathers a dialog's streamed chunks until its next message, and leaves other text alone", () => {
    const streaming = collectDialogReplies({}, [
      ev('agent_message', { agent_name: 'plan', content: 'ignored: the answer itself' }),
      ev('agent_message', { agent_name: 'plan', content: 'Noted, ', dialog_id: 'd1' }),
      ev('agent_message', { agent_name: 'plan', content: 'May it is.', dialog_id: 'd1' }),
    ]);
    expect(streaming).toEqual({ d1: 'Noted, May it is.' });
    const same = collectDialogReplies(streaming, [ev('agent_started', { agent_name: 'x' })]);
    expect(same).toBe(streaming);
    const done = collectDialogReplies(streaming, [
      ev('dialog_message', {
        agent_name: 'plan',
        dialog_id: 'd1',
        role: 'agent',
        content: 'Noted, May it is.',
      }),
    ]);
    expect(done).toEqual({});
  });

  it('keeps a bounded head of a long reply', () => {
    const long = collectDialogReplies({}, [
      ev('agent_message', { agent_name: 'plan', content: 'x'.repeat(REPLY_CHARS_KEPT + 5), dialog_id: 'd2' }),
    ]);
    expect(long.d2).toHaveLength(REPLY_CHARS_KEPT);
  });
});
