import type { ResumeMark, RunState } from '@conductor/events';
import { type ReactNode, useState } from 'react';
import type { OwnershipBody } from '../../src/protocol';
import { formatDateTime, isoOf, secondsOfIso } from './format';
import { Icon, type IconName } from './Icon';

/** A banner above the workspace: a named region, its icon, and what it says. */
function Banner({
  tone,
  inline = false,
  icon,
  label,
  attributes,
  children,
}: {
  tone: 'info' | 'warning' | 'danger';
  /** One line: title and detail side by side. */
  inline?: boolean;
  icon: IconName;
  label: string;
  attributes: Record<`data-${string}`, string>;
  children: ReactNode;
}) {
  return (
    <section
      className={`banner banner-${tone}${inline ? ' banner-inline' : ''}`}
      aria-label={label}
      {...attributes}
    >
      <Icon name={icon} className="banner-icon" />
      {children}
    </section>
  );
}

/** "Resumed from checkpoint at …": why the history has generations, and where each one began. */
export function ResumeBanner({ resumes }: { resumes: readonly ResumeMark[] }) {
  const latest = resumes[resumes.length - 1];
  if (!latest) return null;
  const earlier = resumes.slice(0, -1);
  return (
    <Banner
      tone="info"
      inline
      icon="resume"
      label="Resumed run"
      attributes={{ 'data-testid': 'resume-banner' }}
    >
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
    </Banner>
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
    <Banner
      tone="warning"
      icon="info"
      label="Summary history"
      attributes={{ 'data-testid': 'synthetic-history' }}
    >
      <div className="banner-body">
        <p className="banner-title">{SYNTHETIC_TEXT}</p>
        <p className="banner-detail">
          Their status and final output are known; streamed messages and tool calls are not. Rows and attempts
          marked <span className="tag tag-synthetic">summary</span> come from the checkpoint.
        </p>
      </div>
    </Banner>
  );
}

/**
 * A failed or interrupted run: what went wrong, and how to go on from the checkpoint. In replay the
 * failure is history (the run may have been resumed since): no command is offered.
 */
export function RunEndBanner({ state, replay = false }: { state: RunState; replay?: boolean }) {
  const { run } = state;
  if (run.status !== 'failed' && run.status !== 'interrupted') return null;
  const error = run.error;
  const interrupted = run.status === 'interrupted';
  const command = run.checkpoint_path ? `conductor resume --from ${shellQuote(run.checkpoint_path)}` : null;
  return (
    <Banner
      tone={interrupted ? 'warning' : 'danger'}
      icon="alert"
      label={interrupted ? 'Run interrupted' : 'Run failed'}
      attributes={{ 'data-testid': 'status-banner', 'data-status': run.status }}
    >
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
        {replay ? (
          <p className="banner-detail muted" data-testid="replay-failure-note">
            This is a replay of the log: the failure as it was then.
          </p>
        ) : command ? (
          <div className="resume-command">
            <span className="muted">Checkpoint saved. Resume with</span>
            <CopyCommand command={command} />
          </div>
        ) : (
          <p className="banner-detail muted">No checkpoint was saved for this run.</p>
        )}
      </div>
    </Banner>
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
      <Banner
        tone="info"
        inline
        icon="info"
        label="Run by another process"
        attributes={{ 'data-testid': 'ownership-banner', 'data-owner': 'other-process' }}
      >
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
      </Banner>
    );
  }
  if (ownership?.owner !== 'none' || run.status !== 'running') return null;
  const command = `conductor resume --run ${shellQuote(run.run_id ?? '<run-id>')}`;
  return (
    <Banner
      tone="warning"
      icon="alert"
      label="Run not running"
      attributes={{ 'data-testid': 'ownership-banner', 'data-owner': 'none' }}
    >
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
    </Banner>
  );
}
