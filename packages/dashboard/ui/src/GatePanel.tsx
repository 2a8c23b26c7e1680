import type { PendingGate } from '@conductor/events';
import { useEffect, useState } from 'react';
import type { Api } from './api';
import { Icon } from './Icon';
import { Markdown } from './Markdown';

interface GatePanelProps {
  gate: PendingGate;
  api: Api;
  /** False in replay or without control: the decision is shown, not asked. */
  canAnswer: boolean;
}

/** A human gate waiting for a decision: its prompt and one button per option. */
export function GatePanel({ gate, api, canAnswer }: GatePanelProps) {
  const [sending, setSending] = useState<string | null>(null);
  const [sent, setSent] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  // A new gate (another step, or the same step again) starts fresh.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset on a different gate.
  useEffect(() => {
    setSending(null);
    setSent(null);
    setError(null);
  }, [gate.seq]);

  const answer = async (value: string) => {
    setSending(value);
    setError(null);
    try {
      await api.answerGate(gate.step, value);
      setSent(value); // The gate closes when its gate_resolved event arrives.
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setSending(null);
    }
  };

  const busy = sending !== null || sent !== null;
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
        {gate.options.map((option) => (
          <button
            key={option.value}
            type="button"
            className={`button gate-option${sent === option.value ? ' is-chosen' : ''}`}
            data-testid={`gate-option-${option.value}`}
            disabled={!canAnswer || busy}
            onClick={() => answer(option.value)}
            title={option.route ? `Continues to ${option.route}` : undefined}
          >
            <span>{sending === option.value ? 'Sending…' : option.label}</span>
            {option.route ? <span className="gate-route">→ {option.route}</span> : null}
          </button>
        ))}
      </fieldset>
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
