import type { PendingGate } from '@conductor/events';
import { type FormEvent, type KeyboardEvent, useEffect, useId, useRef, useState } from 'react';
import type { Api } from './api';
import { Icon } from './Icon';
import { Markdown } from './Markdown';

interface GatePanelProps {
  gate: PendingGate;
  api: Api;
  /** False in replay or without control: the decision is shown, not asked. */
  canAnswer: boolean;
}

/** An option as `gate_presented` sends it: `multiline` and `description` ride along with the typed fields. */
type GateOption = PendingGate['options'][number] & { multiline?: boolean; description?: string | null };

/**
 * A human gate waiting for a decision: its prompt and one button per option. An option with `prompt_for`
 * asks for its text first, then sends both.
 */
export function GatePanel({ gate, api, canAnswer }: GatePanelProps) {
  const [sending, setSending] = useState<string | null>(null);
  const [sent, setSent] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  /** The option whose text is being asked for. */
  const [asking, setAsking] = useState<GateOption | null>(null);
  const [text, setText] = useState('');

  // A new gate (another step, or the same step again) starts fresh.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset on a different gate.
  useEffect(() => {
    setSending(null);
    setSent(null);
    setError(null);
    setAsking(null);
    setText('');
  }, [gate.seq]);

  const answer = async (value: string, additionalInput: string | null = null) => {
    setSending(value);
    setError(null);
    try {
      await api.answerGate(gate.step, value, additionalInput);
      setSent(value); // The gate closes when its gate_resolved event arrives.
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setSending(null);
    }
  };

  const choose = (option: GateOption) => {
    if (option.prompt_for) {
      setAsking(option);
      setError(null);
    } else {
      setAsking(null);
      void answer(option.value);
    }
  };

  const busy = sending !== null || sent !== null;
  const options = gate.options as GateOption[];
  return (
    <section
      className="panel gate-panel"
      data-testid="gate-panel"
      data-step={gate.step}
      aria-label={`Decision needed for ${gate.step}`}
    >
      <header className="gate-header">
        <Icon name="gate" />
        <div>
          <h2 className="gate-title">Decision needed</h2>
          <p className="muted">
            Step <strong>{gate.step}</strong> is waiting for you
          </p>
        </div>
      </header>
      <div className="gate-prompt">
        <Markdown source={gate.prompt} />
      </div>
      <fieldset className="gate-options">
        <legend className="visually-hidden">Options</legend>
        {options.map((option) => {
          const chosen = sent === option.value || asking?.value === option.value;
          return (
            <button
              key={option.value}
              type="button"
              className={`button gate-option${chosen ? ' is-chosen' : ''}`}
              data-testid={`gate-option-${option.value}`}
              aria-pressed={option.prompt_for ? asking?.value === option.value : undefined}
              disabled={!canAnswer || busy}
              onClick={() => choose(option)}
              title={option.route ? `Continues to ${option.route}` : undefined}
            >
              <span>
                {sending === option.value ? 'Sending…' : option.label}
                {option.prompt_for ? <Icon name="message" className="gate-asks" /> : null}
              </span>
              {option.description ? <span className="gate-description">{option.description}</span> : null}
              {option.route ? <span className="gate-route">→ {option.route}</span> : null}
            </button>
          );
        })}
      </fieldset>
      {asking && sent === null ? (
        <GateTextForm
          key={asking.value}
          option={asking}
          text={text}
          onText={setText}
          sending={sending !== null}
          onSubmit={() => void answer(asking.value, text)}
          onCancel={() => setAsking(null)}
        />
      ) : null}
      {sent !== null ? (
        <p className="muted gate-note">Answer sent; waiting for the run to continue…</p>
      ) : null}
      {!canAnswer ? (
        <p className="muted gate-note">Answers can't be given from this dashboard (replay or no control).</p>
      ) : null}
      {error ? (
        <p className="error-text" role="alert">
          Could not send the answer: {error}
        </p>
      ) : null}
    </section>
  );
}

/** The text an option asks for (`prompt_for`), then "Send". */
function GateTextForm({
  option,
  text,
  onText,
  sending,
  onSubmit,
  onCancel,
}: {
  option: GateOption;
  text: string;
  onText: (text: string) => void;
  sending: boolean;
  onSubmit: () => void;
  onCancel: () => void;
}) {
  const id = useId();
  const ref = useRef<HTMLTextAreaElement & HTMLInputElement>(null);
  useEffect(() => ref.current?.focus(), []);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!sending) onSubmit();
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      onCancel();
    } else if (option.multiline && e.key === 'Enter' && (e.metaKey || e.ctrlKey)) {
      e.preventDefault();
      if (!sending) onSubmit();
    }
  };
  const label = option.prompt_for ?? '';
  return (
    <form className="gate-text" onSubmit={submit} data-testid="gate-text-form" data-option={option.value}>
      <label htmlFor={id} className="gate-text-label">
        <span className="gate-text-option">{option.label}</span>
        <span>{humanize(label)}</span>
      </label>
      {option.multiline ? (
        <textarea
          id={id}
          ref={ref}
          className="gate-input"
          data-testid="gate-input"
          rows={4}
          value={text}
          onChange={(e) => onText(e.target.value)}
          onKeyDown={onKeyDown}
          placeholder={`${humanize(label)}…`}
        />
      ) : (
        <input
          id={id}
          ref={ref}
          className="gate-input"
          data-testid="gate-input"
          value={text}
          onChange={(e) => onText(e.target.value)}
          onKeyDown={onKeyDown}
          placeholder={`${humanize(label)}…`}
        />
      )}
      <div className="gate-text-actions">
        <span className="muted gate-text-hint">
          {option.multiline ? 'Ctrl+Enter to send' : 'Enter to send'} · stored as{' '}
          <span className="mono">additional_input.{label}</span>
        </span>
        <button type="button" className="button button-ghost" data-testid="gate-cancel" onClick={onCancel}>
          Back
        </button>
        <button type="submit" className="button button-primary" data-testid="gate-submit" disabled={sending}>
          {sending ? 'Sending…' : 'Send'}
        </button>
      </div>
    </form>
  );
}

/** `feedback_notes` → "Feedback notes". */
function humanize(name: string): string {
  const words = name.replace(/[_-]+/g, ' ').trim();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : 'Your answer';
}
