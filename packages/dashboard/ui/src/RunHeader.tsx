import { type RunState, runElapsedSeconds } from '@conductor/events';
import { useEffect, useRef, useState } from 'react';
import type { ColorScheme, InfoBody } from '../../src/protocol';
import type { Api } from './api';
import { formatClock, formatDateTime, formatUsd, isoOf, usageCost, usageTokens } from './format';
import { Icon, StatusBadge } from './Icon';
import { currentStepOf } from './runFacts';
import type { ConnectionState } from './runModel';
import { AllRunsLink } from './runs/AllRunsLink';

interface RunHeaderProps {
  state: RunState;
  info: InfoBody;
  /** The log says running but no process runs the run. */
  stalled: boolean;
  connection: ConnectionState;
  /** Seconds "now" for the elapsed clock: wall time live, the replayed time in replay. */
  now: number;
  api: Api;
  /** The colour scheme shown, and the toggle to the next one. */
  theme: { scheme: ColorScheme; toggle: () => void };
}

export function RunHeader({ state, info, stalled, connection, now, api, theme }: RunHeaderProps) {
  const { run } = state;
  const elapsed = runElapsedSeconds(state, now);
  const name = run.name ?? state.graph?.name ?? info.workflow_name ?? 'Workflow';
  const runId = run.run_id ?? info.run_id;
  return (
    <header className="run-header" data-testid="run-header">
      <div className="brand" aria-hidden="true">
        <svg viewBox="0 0 32 32" width="26" height="26" aria-hidden="true">
          <rect width="32" height="32" rx="8" fill="var(--accent)" />
          <path
            d="M9 21l7-11 7 11"
            stroke="white"
            strokeWidth="3"
            fill="none"
            strokeLinecap="round"
            strokeLinejoin="round"
          />
        </svg>
      </div>
      <div className="run-title">
        <h1 title={name}>{name}</h1>
        <div className="run-subtitle">
          <AllRunsLink info={info} />
          {runId ? (
            <span className="mono" title="Run id">
              {runId}
            </span>
          ) : null}
          {run.started_at !== null ? (
            <span title={`Started ${isoOf(run.started_at)}`}>started {formatDateTime(run.started_at)}</span>
          ) : null}
          {run.generation > 0 ? <span className="chip">resume {run.generation}</span> : null}
          {info.mode === 'replay' ? <span className="chip chip-accent">replay</span> : null}
        </div>
      </div>
      {stalled ? (
        <StatusBadge status="stalled" label="Stalled" testId="run-status" name="Run status" />
      ) : (
        <StatusBadge status={run.status} testId="run-status" name="Run status" />
      )}
      <dl className="header-metrics">
        <div>
          <dt>Elapsed</dt>
          <dd
            className="mono"
            data-testid="run-elapsed"
            data-seconds={elapsed === null ? undefined : Math.floor(elapsed)}
            title={
              stalled
                ? "Since the run's first start, up to its last event"
                : "Since the run's first start, across resumes"
            }
          >
            {elapsed === null ? '—' : formatClock(elapsed)}
          </dd>
        </div>
        <div>
          <dt>Current step</dt>
          <dd data-testid="run-current-step">{currentStepOf(state) ?? '—'}</dd>
        </div>
        {run.usage.attempts > 0 ? (
          <div>
            <dt>Cost</dt>
            <dd
              className={`mono${run.budget_exceeded ? ' over-budget' : ''}`}
              data-testid="run-cost"
              title={`${usageTokens(run.usage)}${
                run.usage.unpriced > 0 ? ` · ${run.usage.unpriced} calls without a price not counted` : ''
              }${
                run.budget_exceeded
                  ? ` · passed the budget of ${formatUsd(run.budget_exceeded.budget_usd)} (${run.budget_exceeded.budget_mode})`
                  : ''
              }`}
            >
              {usageCost(run.usage)}
            </dd>
          </div>
        ) : null}
      </dl>
      <div className="header-actions">
        <ConnectionIndicator state={connection} />
        <button
          type="button"
          className="button button-ghost theme-toggle"
          onClick={theme.toggle}
          data-testid="theme-toggle"
          data-scheme={theme.scheme}
          title="Colours: as the system, light or dark"
        >
          {theme.scheme === 'system'
            ? 'Theme: system'
            : theme.scheme === 'light'
              ? 'Theme: light'
              : 'Theme: dark'}
        </button>
        <DownloadLogButton api={api} runId={runId} />
        {info.mode === 'live' && info.ownership?.owner !== 'this-process' ? (
          <span className="chip" data-testid="read-only" title="Another process runs the run, or none does">
            read-only
          </span>
        ) : null}
        {info.control.stop && info.mode === 'live' && run.status === 'running' ? (
          <StopButton api={api} />
        ) : null}
      </div>
    </header>
  );
}

const CONNECTION_LABEL: Record<ConnectionState, string> = {
  connecting: 'Connecting',
  live: 'Live',
  reconnecting: 'Reconnecting',
  unauthorized: 'Not authorized',
  replay: 'Replay',
};

export function ConnectionIndicator({ state }: { state: ConnectionState }) {
  return (
    <output
      className={`connection connection-${state}`}
      data-testid="connection"
      data-state={state}
      aria-live="polite"
    >
      <span className="connection-dot" aria-hidden="true" />
      {CONNECTION_LABEL[state]}
    </output>
  );
}

function DownloadLogButton({ api, runId }: { api: Api; runId: string | null }) {
  const [busy, setBusy] = useState(false);
  const download = async () => {
    setBusy(true);
    try {
      // A plain link cannot send the token header: fetch, then hand the blob to the browser.
      const blob = await api.downloadLog();
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `${runId ?? 'run'}.events.jsonl`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } finally {
      setBusy(false);
    }
  };
  return (
    <button
      type="button"
      className="button button-ghost"
      onClick={download}
      disabled={busy}
      title="Download the event log (JSONL)"
    >
      <Icon name="download" />
      <span className="button-label">Log</span>
    </button>
  );
}

function StopButton({ api }: { api: Api }) {
  const [confirming, setConfirming] = useState(false);
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);

  const stop = async () => {
    setSending(true);
    setError(null);
    try {
      await api.stop();
      setConfirming(false);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setSending(false);
    }
  };

  return (
    <div className="stop">
      <button
        type="button"
        className="button button-danger"
        data-testid="stop-button"
        aria-expanded={confirming}
        onClick={() => setConfirming(!confirming)}
      >
        <Icon name="stop" />
        Stop
      </button>
      {confirming ? (
        <div
          className="popover"
          role="alertdialog"
          aria-label="Stop the run?"
          onKeyDown={(e) => {
            if (e.key === 'Escape') setConfirming(false);
          }}
        >
          <p className="popover-title">Stop the run?</p>
          <p className="muted">A checkpoint is saved so you can resume it later.</p>
          {error ? <p className="error-text">{error}</p> : null}
          <div className="popover-actions">
            <button type="button" className="button" onClick={() => setConfirming(false)}>
              Cancel
            </button>
            <button
              ref={confirmRef}
              type="button"
              className="button button-danger"
              data-testid="stop-confirm"
              onClick={stop}
              disabled={sending}
            >
              {sending ? 'Stopping…' : 'Stop run'}
            </button>
          </div>
        </div>
      ) : null}
    </div>
  );
}
