import { type Attempt, type ConductorEvent, type SpilledOutput, scriptOutputOf } from '@conductor/events';
import { useState } from 'react';
import type { Api } from './api';
import { formatBytes } from './format';
import { Icon } from './Icon';
import { ValueView } from './ValueView';

interface OutputViewProps {
  api: Api;
  attempt: Attempt;
  label: string;
  /** Names the files a download saves. */
  stepName: string;
  testId?: string;
}

/**
 * An attempt's output as the state keeps it (a bounded head), with the way to the whole: texts over
 * the run's output cap are downloaded or opened from the run's outputs folder, and an output the
 * state cut is loaded from its completion event.
 */
export function OutputView({ api, attempt, label, stepName, testId }: OutputViewProps) {
  const [whole, setWhole] = useState<{ value: unknown } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const spills = Object.entries(attempt.spills ?? {});

  const loadWhole = async () => {
    setLoading(true);
    setError(null);
    try {
      // The attempt's last event is its completion: it holds the output as the run recorded it.
      const page = await api.eventsAfter(attempt.last_seq - 1, 1);
      const event = page.events.find((e) => e.seq === attempt.last_seq);
      if (!event) throw new Error(`event ${attempt.last_seq} is not in the log`);
      setWhole({ value: outputOfEvent(event) });
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setLoading(false);
    }
  };

  return (
    <>
      <ValueView value={whole ? whole.value : attempt.output} testId={testId} label={label} />
      {attempt.output_truncated && !whole ? (
        <p className="output-note" data-testid="output-truncated">
          <span className="muted">
            Showing part of the recorded output
            {attempt.output_size ? ` (${attempt.output_size.toLocaleString()} characters in all)` : ''}.
          </span>{' '}
          <button
            type="button"
            className="link-button"
            onClick={loadWhole}
            disabled={loading}
            data-testid="load-whole-output"
          >
            {loading ? 'Loading…' : 'Show all of it'}
          </button>
        </p>
      ) : null}
      {error ? (
        <p className="output-note error-text" role="alert">
          {error}
        </p>
      ) : null}
      {spills.map(([field, spill]) => (
        <SpillNote key={field} api={api} field={field} spill={spill} stepName={stepName} />
      ))}
    </>
  );
}

function outputOfEvent(event: ConductorEvent): unknown {
  return event.type === 'script_completed' ? scriptOutputOf(event.data) : event.data.output;
}

/** A text longer than the cap: what is shown of it, its size, and buttons for the whole (also a tool call's). */
export function SpillNote({
  api,
  field,
  spill,
  stepName,
}: {
  api: Api;
  field: string;
  spill: SpilledOutput;
  stepName: string;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // A plain link cannot send the token header: fetch, then hand the blob to the browser.
  const withBlob = async (use: (url: string) => void) => {
    setBusy(true);
    setError(null);
    try {
      const blob = await api.storedOutput(spill.ref);
      const url = URL.createObjectURL(new Blob([blob], { type: 'text/plain;charset=utf-8' }));
      use(url);
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const download = () =>
    withBlob((url) => {
      const a = document.createElement('a');
      a.href = url;
      a.download = `${stepName}.${field}.txt`;
      a.click();
    });
  const open = () => withBlob((url) => window.open(url, '_blank', 'noopener'));
  return (
    <section
      className="output-note spill-note"
      aria-label={`Stored ${field}`}
      data-testid="spill"
      data-field={field}
      data-ref={spill.ref}
    >
      <p>
        <strong className="mono">{field}</strong>{' '}
        <span className="muted" data-testid="spill-size">
          is {formatBytes(spill.bytes)}: the first {spill.head_chars.toLocaleString()} characters are shown,
          the whole is stored with the run.
        </span>
      </p>
      <div className="spill-actions">
        <button
          type="button"
          className="button button-ghost"
          onClick={open}
          disabled={busy}
          data-testid="open-spill"
        >
          Open whole {field}
        </button>
        <button
          type="button"
          className="button button-ghost"
          onClick={download}
          disabled={busy}
          data-testid="download-spill"
          // The label is hidden on narrower screens; the icon alone needs a name.
          aria-label={`Download the whole ${field}`}
        >
          <Icon name="download" />
          <span className="button-label">Download</span>
        </button>
      </div>
      {error ? (
        <p className="error-text" role="alert">
          {error}
        </p>
      ) : null}
    </section>
  );
}
