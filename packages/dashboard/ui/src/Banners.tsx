import type { ResumeMark, RunState } from '@conductor/events';
import { useState } from 'react';
import type { OwnershipBody } from '../../src/protocol';
import { formatDateTime, isoOf, secondsOfIso } from './format';
import { Icon } from './Icon';

/** "Resumed from checkpoint at …": why the history has generations, and where each one began. */
export function ResumeBanner({ resumes }: { resumes: readonly ResumeMark[] }) {
  const latest = resumes[resumes.length - 1];
  if (!latest) return null;
  const earlier = resumes.slice(0, -1);
  return (
    <section
      className="banner banner-info banner-inline"
      data-testid="resume-banner"
      aria-label="Resumed run"
    >
      <Icon name="resume" className="banner-icon" />
      <p className="banner-line">
        <span className="banner-title">
          Resumed from checkpoint at <CheckpointTime mark={latest} /> (resume {latest.generation})
        </span>
        <span className="banner-detail" title={latest.checkpoint_path ?? undefined}>
          continued at step <strong>{latest.resumed_at_step || '—'}</strong> on <Time ts={latest.at} />
          {earlier.map((mark) => (
            <span key={mark.seq}>
              {' '}
              · resume {mark.generation} on <Time ts={mark.at} />
            </span>
          ))}
          {latest.checkpoint_path ? (
            <>
              {' '}
              · <span className="mono">{latest.checkpoint_path}</span>
            </>
          ) : null}
        </span>
      </p>
    </section>
  );
}

function CheckpointTime({ mark }: { mark: ResumeMark }) {
  const seconds = secondsOfIso(mark.checkpoint_created_at);
  if (seconds !== null) return <Time ts={seconds} />;
  return <>{mark.checkpoint_created_at ?? 'an unknown time'}</>;
}

export function Time({ ts }: { ts: number }) {
  return (
    <time dateTime={isoOf(ts)} title={isoOf(ts)}>
      {formatDateTime(ts)}
    </time>
  );
}

export const SYNTHETIC_TEXT =
  'Earlier steps are a summary rebuilt from the checkpoint: the event log was not found';

export function SyntheticHistoryNote() {
  return (
    <section className="banner banner-warning" data-testid="synthetic-history" aria-label="Summary history">
      <Icon name="info" className="banner-icon" />
      <div className="banner-body">
        <p className="banner-title">{SYNTHETIC_TEXT}</p>
        <p className="banner-detail">
          Their status and final output are known; streamed messages and tool calls are not. Rows and attempts
          marked <span className="tag tag-synthetic">summary</span> come from the checkpoint.
        </p>
      </div>
    </section>
  );
}

/** A failed or interrupted run: what went wrong, and how to go on from the checkpoint. */
export function RunEndBanner({ state }: { state: RunState }) {
  const { run } = state;
  if (run.status !== 'failed' && run.status !== 'interrupted') return null;
  const error = run.error;
  const interrupted = run.status === 'interrupted';
  const command = run.checkpoint_path ? `conductor resume --from ${shellQuote(run.checkpoint_path)}` : null;
  return (
    <section
      className={`banner ${interrupted ? 'banner-warning' : 'banner-danger'}`}
      data-testid="status-banner"
      data-status={run.status}
      aria-label={interrupted ? 'Run interrupted' : 'Run failed'}
    >
      <Icon name="alert" className="banner-icon" />
      <div className="banner-body">
        <p className="banner-title">
          {interrupted ? (error?.stopped_by_user ? 'Stopped by user' : 'Interrupted') : 'Run failed'}
          {error?.agent_name ? (
            <>
              {' '}
              at step <strong>{error.agent_name}</strong>
            </>
          ) : null}
          {run.finished_at !== null ? (
            <>
              {' '}
              · <Time ts={run.finished_at} />
            </>
          ) : null}
        </p>
        {error && (error.error_type || error.message) ? (
          <p className="banner-error" data-testid="status-error">
            {error.error_type ? <span className="mono">{error.error_type}</span> : null}
            {error.error_type && error.message ? ': ' : null}
            {error.message}
          </p>
        ) : null}
        {command ? (
          <div className="resume-command">
            <span className="muted">Checkpoint saved. Resume with</span>
            <CopyCommand command={command} />
          </div>
        ) : (
          <p className="banner-detail muted">No checkpoint was saved for this run.</p>
        )}
      </div>
    </section>
  );
}

function shellQuote(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}

function CopyCommand({ command }: { command: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(command);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      // No clipboard (plain http on another host): the command stays selectable.
    }
  };
  return (
    <span className="command">
      <code data-testid="resume-command">{command}</code>
      <button type="button" className="icon-button" onClick={copy} aria-label="Copy the resume command">
        <Icon name={copied ? 'check' : 'copy'} />
      </button>
    </span>
  );
}

/**
 * Who runs the run when it is not this dashboard's process: another process (this dashboard is then
 * read-only), or none while the log says running (the run was cut off: how to continue it).
 */
export function OwnershipBanner({
  state,
  ownership,
}: {
  state: RunState;
  ownership: OwnershipBody | undefined;
}) {
  const { run } = state;
  if (ownership?.owner === 'other-process') {
    const since = secondsOfIso(ownership.since);
    return (
      <section
        className="banner banner-info banner-inline"
        data-testid="ownership-banner"
        data-owner="other-process"
        aria-label="Run by another process"
      >
        <Icon name="info" className="banner-icon" />
        <p className="banner-line">
          <span className="banner-title">
            Running in {ownership.pid !== null ? `process ${ownership.pid}` : 'another process'}
            {ownership.host ? ` on ${ownership.host}` : ''}
            {since !== null ? (
              <>
                {' '}
                since <Time ts={since} />
              </>
            ) : null}
            ; this dashboard is read-only
          </span>
          <span className="banner-detail">Stop it or answer its gates from that process.</span>
        </p>
      </section>
    );
  }
  if (ownership?.owner !== 'none' || run.status !== 'running') return null;
  const command = `conductor resume --run ${shellQuote(run.run_id ?? '<run-id>')}`;
  return (
    <section
      className="banner banner-warning"
      data-testid="ownership-banner"
      data-owner="none"
      aria-label="Run not running"
    >
      <Icon name="alert" className="banner-icon" />
      <div className="banner-body">
        <p className="banner-title">
          No process is running this run
          {state.last_event_at !== null ? (
            <>
              {' '}
              · last event <Time ts={state.last_event_at} />
            </>
          ) : null}
        </p>
        <p className="banner-detail muted">
          Its log says running, but the process that ran it is gone (it crashed or was killed).
        </p>
        <div className="resume-command">
          <span className="muted">Continue it with</span>
          <CopyCommand command={command} />
        </div>
      </div>
    </section>
  );
}
