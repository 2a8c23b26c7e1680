import type { Attempt, ToolCallRecord } from '@conductor/events';
import { useState } from 'react';
import type { Api } from './api';
import { CodeBlock } from './CodeBlock';
import { ExpandableEntry } from './DetailsParts';
import { formatDuration } from './format';
import { Icon, StatusBadge } from './Icon';
import { SpillNote } from './OutputView';

/**
 * The tool calls of one attempt, oldest first: each with its arguments and its result or error (the
 * heads the state keeps; the recorded whole is loaded from the call's events, or its stored file).
 */
export function ToolCalls({ api, attempt, stepName }: { api: Api; attempt: Attempt; stepName: string }) {
  const calls = attempt.tools ?? [];
  if (attempt.tool_calls === 0) return null;
  const finished = attempt.status !== 'running' && attempt.status !== 'waiting';
  return (
    <section
      className="tool-calls"
      aria-label={`Tool calls of attempt ${attempt.number}`}
      data-testid="tool-calls"
    >
      <h4 className="subsection-title">
        <Icon name="tool" /> Tool calls
        <span className="muted">
          {' '}
          {calls.length < attempt.tool_calls
            ? `— latest ${calls.length} of ${attempt.tool_calls}`
            : `(${attempt.tool_calls})`}
        </span>
      </h4>
      <ol className="attempts-list tool-call-list">
        {calls.map((call) => (
          <ToolCallItem
            key={`${call.start_seq}`}
            api={api}
            call={call}
            unfinished={finished && call.status === 'running'}
            stepName={stepName}
          />
        ))}
      </ol>
    </section>
  );
}

function ToolCallItem({
  api,
  call,
  unfinished,
  stepName,
}: {
  api: Api;
  call: ToolCallRecord;
  /** Still running though its attempt ended: the log holds no result. */
  unfinished: boolean;
  stepName: string;
}) {
  const status = unfinished ? 'failed' : call.status;
  return (
    <ExpandableEntry
      className={`attempt tool-call status-${status}`}
      attributes={{ 'data-testid': 'tool-call', 'data-tool': call.name, 'data-status': status }}
      summary={() => (
        <>
          <span className="mono tool-call-name">{call.name}</span>
          <StatusBadge status={status} label={unfinished ? 'No result' : undefined} />
          <span className="attempt-time muted">
            {call.elapsed !== null ? formatDuration(call.elapsed) : ''}
          </span>
        </>
      )}
    >
      <div>
        <h5 className="subsection-title">Arguments</h5>
        <CodeBlock
          value={call.arguments ?? {}}
          label={`Arguments of ${call.name}`}
          testId="tool-call-arguments"
        />
        {call.arguments_truncated ? (
          <WholeFromEvent api={api} seq={call.start_seq} field="arguments" what="arguments" />
        ) : null}
      </div>
      {call.error !== null ? (
        <div className="error-box" role="note" data-testid="tool-call-error">
          <Icon name="alert" />
          <p>{call.error}</p>
        </div>
      ) : null}
      {call.status === 'completed' ? (
        <div>
          <h5 className="subsection-title">Result</h5>
          <CodeBlock value={call.result ?? ''} label={`Result of ${call.name}`} testId="tool-call-result" />
          {call.result_truncated && call.end_seq !== null ? (
            <WholeFromEvent
              api={api}
              seq={call.end_seq}
              field="result"
              what={`result${call.result_size ? ` (${call.result_size.toLocaleString()} characters in all)` : ''}`}
            />
          ) : null}
        </div>
      ) : null}
      {unfinished ? <p className="muted">The run stopped before this call returned.</p> : null}
      {Object.entries(call.spills ?? {}).map(([field, spill]) => (
        <SpillNote key={field} api={api} field={field} spill={spill} stepName={`${stepName}.${call.name}`} />
      ))}
    </ExpandableEntry>
  );
}

/** Loads a field of the event that recorded it, for a value the state keeps only the head of. */
function WholeFromEvent({ api, seq, field, what }: { api: Api; seq: number; field: string; what: string }) {
  const [whole, setWhole] = useState<{ value: unknown } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = async () => {
    setError(null);
    try {
      const page = await api.eventsAfter(seq - 1, 1);
      const event = page.events.find((e) => e.seq === seq);
      if (!event) throw new Error(`event ${seq} is not in the log`);
      setWhole({ value: event.data[field] });
    } catch (e) {
      setError((e as Error).message);
    }
  };
  if (whole) return <CodeBlock value={whole.value} label={`Recorded ${field}`} />;
  return (
    <p className="output-note">
      <span className="muted">Showing the start of the {what}.</span>{' '}
      <button type="button" className="link-button" onClick={load}>
        Show what was recorded
      </button>
      {error ? (
        <span className="error-text" role="alert">
          {' '}
          {error}
        </span>
      ) : null}
    </p>
  );
}
