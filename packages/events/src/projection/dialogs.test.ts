import { describe, expect, it } from 'vitest';
import { TEXT_CHARS_KEPT } from '../bounded.js';
import { projectEvents } from '../projection.js';
import { MAX_DIALOG_MESSAGES_KEPT } from './state.js';
import { eventMaker } from './test-helpers.js';

const start = (ev: ReturnType<typeof eventMaker>) => [
  ev('workflow_started', { name: 'w', entry_point: 'plan', agents: [{ name: 'plan' }] }),
  ev('agent_started', { agent_name: 'plan' }),
  ev('dialog_started', { agent_name: 'plan', dialog_id: 'd1', opening_question: 'Which city?' }),
];

describe('the dialogs reducer', () => {
  it("keeps a dialog under way with its messages and whose turn it is; the step waits on the user's turn", () => {
    const ev = eventMaker();
    const opened = projectEvents(start(ev));
    expect(opened.dialogs.plan).toMatchObject({
      step: 'plan',
      dialog_id: 'd1',
      question: 'Which city?',
      messages: [],
      awaiting: 'agent',
      seq: 3,
    });
    const asked = projectEvents(
      [ev('dialog_message', { agent_name: 'plan', dialog_id: 'd1', role: 'agent', content: 'Which city?' })],
      opened,
    );
    expect(asked.dialogs.plan?.awaiting).toBe('user');
    expect(asked.steps.plan?.status).toBe('waiting');
    const answered = projectEvents(
      [
        ev('dialog_message', {
          agent_name: 'plan',
          dialog_id: 'd1',
          role: 'user',
          content: 'Lyon',
          answered_by: 'api',
        }),
        // Another dialog's message (a stale one) changes nothing.
        ev('dialog_message', { agent_name: 'plan', dialog_id: 'old', role: 'agent', content: 'x' }),
      ],
      asked,
    );
    expect(answered.dialogs.plan?.messages.map((m) => [m.role, m.content])).toEqual([
      ['agent', 'Which city?'],
      ['user', 'Lyon'],
    ]);
    expect(answered.dialogs.plan?.awaiting).toBe('agent');
    expect(answered.steps.plan?.status).toBe('running');
    const done = projectEvents(
      [ev('dialog_completed', { agent_name: 'plan', dialog_id: 'd1', turn_count: 2, user_dismissed: true })],
      answered,
    );
    expect(done.dialogs).toEqual({});
    expect(done.steps.plan?.status).toBe('running');
  });

  it('keeps bounded heads of the latest messages, and counts them all', () => {
    const ev = eventMaker();
    const long = 'x'.repeat(TEXT_CHARS_KEPT + 10);
    const messages = Array.from({ length: MAX_DIALOG_MESSAGES_KEPT + 5 }, (_, i) =>
      ev('dialog_message', {
        agent_name: 'plan',
        dialog_id: 'd1',
        role: i % 2 === 0 ? 'agent' : 'user',
        content: i === MAX_DIALOG_MESSAGES_KEPT + 4 ? long : `m${i}`,
      }),
    );
    const state = projectEvents([...start(ev), ...messages]);
    const dialog = state.dialogs.plan;
    expect(dialog?.message_count).toBe(MAX_DIALOG_MESSAGES_KEPT + 5);
    expect(dialog?.messages).toHaveLength(MAX_DIALOG_MESSAGES_KEPT);
    expect(dialog?.messages[0]?.content).toBe('m5');
    expect(dialog?.messages.at(-1)?.content_truncated).toBe(true);
    expect(dialog?.messages.at(-1)?.content.length).toBeLessThanOrEqual(TEXT_CHARS_KEPT);
  });

  it('lets go of a dialog when its step ends, and of every dialog when the run ends or resumes', () => {
    const ev = eventMaker();
    const opened = projectEvents(start(ev));
    expect(projectEvents([ev('agent_failed', { agent_name: 'plan' })], opened).dialogs).toEqual({});
    expect(projectEvents([ev('agent_completed', { agent_name: 'plan' })], opened).dialogs).toEqual({});
    const inner = projectEvents(
      [
        ev('dialog_started', {
          agent_name: 'ask',
          dialog_id: 'd2',
          opening_question: 'Why?',
          subworkflow_path: ['child'],
        }),
      ],
      opened,
    );
    expect(Object.keys(inner.dialogs)).toEqual(['plan', 'child/ask']);
    for (const end of [
      ev('workflow_failed', { error_type: 'Interrupted' }),
      ev('workflow_completed', {}),
      ev('workflow_resumed', { run_id: 'r', resumed_at_step: 'plan', generation: 1, history_source: 'log' }),
    ]) {
      expect(projectEvents([end], inner).dialogs).toEqual({});
    }
  });
});
