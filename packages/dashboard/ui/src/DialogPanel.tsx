import type { PendingDialog } from '@conductor/events';
import { type FormEvent, type KeyboardEvent, useEffect, useId, useRef, useState } from 'react';
import type { Api } from './api';
import { Icon } from './Icon';
import { Markdown } from './Markdown';

interface DialogPanelProps {
  dialog: PendingDialog;
  /** The reply the agent is writing now (streamed), if any. */
  streaming: string | null;
  api: Api;
  /** False in replay or without control: the conversation is shown, not joined. */
  canAnswer: boolean;
}

/**
 * An agent step talking with the user (its `dialog:` triggered): the conversation so far, the agent's
 * reply as it streams, and a box to answer. "Done" lets the agent go on; it then runs again with the
 * conversation.
 */
export function DialogPanel({ dialog, streaming, api, canAnswer }: DialogPanelProps) {
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  const box = useRef<HTMLTextAreaElement>(null);
  const end = useRef<HTMLDivElement>(null);
  const yourTurn = dialog.awaiting === 'user';

  // A new message scrolls the conversation to its end; the user's turn puts the cursor in the box.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the message count and the stream are the triggers
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: 'nearest' });
  }, [dialog.message_count, streaming]);
  useEffect(() => {
    if (yourTurn && canAnswer) box.current?.focus();
  }, [yourTurn, canAnswer]);

  const send = async (message: string) => {
    if (message.trim() === '' || sending) return;
    setSending(true);
    setError(null);
    try {
      await api.sendDialog(dialog.step, message);
      setText('');
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setSending(false);
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void send(text);
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Enter' && (e.metaKey || e.ctrlKey)) {
      e.preventDefault();
      void send(text);
    }
  };

  const disabled = !canAnswer || !yourTurn || sending;
  return (
    <section
      className="panel gate-panel dialog-panel"
      data-testid="dialog-panel"
      data-step={dialog.step}
      aria-label={`Dialog with ${dialog.step}`}
    >
      <header className="gate-header">
        <Icon name="message" />
        <div>
          <h2 className="gate-title">{dialog.step} wants to talk</h2>
          <p className="muted">
            {yourTurn ? 'Your turn' : `${dialog.step} is replying…`} · say <strong>done</strong> to let it go
            on
          </p>
        </div>
      </header>
      <ol className="dialog-messages" aria-label="Conversation">
        {dialog.message_count > dialog.messages.length ? (
          <li className="muted dialog-earlier">
            {dialog.message_count - dialog.messages.length} earlier messages are in the activity
          </li>
        ) : null}
        {dialog.messages.map((message) => (
          <li
            key={message.seq}
            className={`dialog-message is-${message.role}${message.error ? ' is-error' : ''}`}
            aria-label={message.role === 'agent' ? `${dialog.step} says` : 'You said'}
          >
            <span className="dialog-who">{message.role === 'agent' ? dialog.step : 'You'}</span>
            <Markdown source={message.content + (message.content_truncated ? ' …' : '')} />
          </li>
        ))}
        {!yourTurn && streaming ? (
          <li className="dialog-message is-agent is-streaming" aria-label={`${dialog.step} is writing`}>
            <span className="dialog-who">{dialog.step}</span>
            <p className="dialog-stream">{streaming}</p>
          </li>
        ) : null}
      </ol>
      <div ref={end} />
      {canAnswer ? (
        <form className="gate-text dialog-form" onSubmit={submit}>
          <label htmlFor={id} className="gate-text-label">
            Your answer
          </label>
          <textarea
            id={id}
            ref={box}
            className="gate-input"
            rows={3}
            value={text}
            disabled={!yourTurn}
            onChange={(e) => setText(e.target.value)}
            onKeyDown={onKeyDown}
            placeholder={yourTurn ? `Answer ${dialog.step}…` : `Wait for ${dialog.step}'s reply…`}
          />
          <div className="gate-text-actions">
            <span className="muted gate-text-hint">Ctrl+Enter to send</span>
            <button
              type="button"
              className="button button-ghost"
              disabled={disabled}
              onClick={() => void send('done')}
            >
              Done
            </button>
            <button type="submit" className="button button-primary" disabled={disabled || text.trim() === ''}>
              {sending ? 'Sending…' : 'Send'}
            </button>
          </div>
        </form>
      ) : (
        <p className="muted gate-note">Answers can't be given from this dashboard (replay or no control).</p>
      )}
      {error ? (
        <p className="error-text" role="alert">
          Could not send the message: {error}
        </p>
      ) : null}
    </section>
  );
}
