import { useCallback, useEffect, useMemo, useState } from 'react';
import type { RunListBody, RunListEntry, RunListStatus } from '../../../src/runs-protocol';
import { ApiError } from '../api';
import { formatDateTime } from '../format';
import {
  ALL_RUNS,
  costOf,
  countByStatus,
  durationsOf,
  filterRuns,
  type RunFilter,
  STATUS_LABEL,
  workflowsOf,
} from './runList';
import { type RunsApi, runHref } from './runsApi';

/** How often the list is asked again: runs written by other processes change on their own. */
const REFRESH_MS = 1000;

const STATUSES: Array<RunListStatus | 'all'> = [
  'all',
  'running',
  'failed',
  'interrupted',
  'died',
  'completed',
];

/** Every run under $CONDUCTOR_HOME, live, with what can be done to each. */
export function RunList({ api }: { api: RunsApi }) {
  const [body, setBody] = useState<RunListBody | null>(null);
  const [receivedAt, setReceivedAt] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [unauthorized, setUnauthorized] = useState(false);
  const [filter, setFilter] = useState<RunFilter>(ALL_RUNS);
  const [notice, setNotice] = useState<{ text: string; failed: boolean } | null>(null);
  const [, tick] = useState(0);

  const refresh = useCallback(async () => {
    try {
      const next = await api.list();
      setBody(next);
      setReceivedAt(Date.now());
      setError(null);
    } catch (caught) {
      if (caught instanceof ApiError && caught.status === 401) setUnauthorized(true);
      setError(caught instanceof Error ? caught.message : String(caught));
    }
  }, [api]);

  useEffect(() => {
    void refresh();
    const timer = setInterval(() => {
      void refresh();
      tick((n) => n + 1);
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, [refresh]);

  const act = useCallback(
    async (what: string, action: () => Promise<{ message: string }>) => {
      setNotice({ text: `${what}…`, failed: false });
      try {
        const answer = await action();
        setNotice({ text: answer.message || `${what}: done`, failed: false });
      } catch (caught) {
        setNotice({
          text: `${what}: ${caught instanceof Error ? caught.message : String(caught)}`,
          failed: true,
        });
      }
      await refresh();
    },
    [refresh],
  );

  const runs = body?.runs ?? [];
  const shown = useMemo(() => filterRuns(runs, filter), [runs, filter]);
  const counts = useMemo(() => countByStatus(runs), [runs]);
  const workflows = useMemo(() => workflowsOf(runs), [runs]);
  const elapsed = receivedAt ? (Date.now() - receivedAt) / 1000 : 0;

  if (unauthorized) {
    return (
      <main className="run-list-page">
        <h1>Not authorized</h1>
        <p>Open the URL `conductor dashboard` printed: it carries the token.</p>
      </main>
    );
  }

  return (
    <main className="run-list-page">
      <header className="run-list-header">
        <h1>Runs</h1>
        <span className="run-list-home">{body?.home ?? ''}</span>
      </header>
      <div className="run-list-filters">
        <label>
          Status{' '}
          <select
            aria-label="Status"
            value={filter.status}
            onChange={(e) => setFilter({ ...filter, status: e.target.value as RunFilter['status'] })}
          >
            {STATUSES.map((status) => (
              <option key={status} value={status}>
                {status === 'all' ? 'All' : STATUS_LABEL[status]} ({counts[status]})
              </option>
            ))}
          </select>
        </label>
        <label>
          Workflow{' '}
          <select
            aria-label="Workflow"
            value={filter.workflow}
            onChange={(e) => setFilter({ ...filter, workflow: e.target.value })}
          >
            <option value="all">All</option>
            {workflows.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <input
          type="search"
          aria-label="Search runs"
          placeholder="Search run id, workflow, step, error"
          value={filter.search}
          onChange={(e) => setFilter({ ...filter, search: e.target.value })}
        />
        <span className="run-list-count">
          {shown.length === runs.length ? `${runs.length} runs` : `${shown.length} of ${runs.length} runs`}
        </span>
      </div>
      {error && <p className="run-list-error">Cannot reach the server ({error}); retrying…</p>}
      {notice && (
        <p className={notice.failed ? 'run-list-notice failed' : 'run-list-notice'} role="status">
          {notice.text}
        </p>
      )}
      {body && runs.length === 0 && <p className="run-list-empty">No runs in {body.home} yet.</p>}
      {shown.length > 0 && (
        <table className="run-list">
          <thead>
            <tr>
              <th>Status</th>
              <th>Workflow</th>
              <th>Run</th>
              <th>Started</th>
              <th title="Time a process was running it (downtime between a failure and its resume left out)">
                Active
              </th>
              <th title="From the first start to the end, or to now">Wall</th>
              <th>Resumes</th>
              <th>Step</th>
              <th>Cost</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((run) => (
              <RunRow
                key={run.run_id}
                run={run}
                body={body as RunListBody}
                elapsed={elapsed}
                api={api}
                act={act}
              />
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}

function RunRow({
  run,
  body,
  elapsed,
  api,
  act,
}: {
  run: RunListEntry;
  body: RunListBody;
  elapsed: number;
  api: RunsApi;
  act: (what: string, action: () => Promise<{ message: string }>) => Promise<void>;
}) {
  const [confirming, setConfirming] = useState(false);
  const [choice, setChoice] = useState('');
  const { active, wall } = durationsOf(run, elapsed);
  // A run waiting for an answer is running, but what it needs is a person: shown as such.
  const status = run.gate ? 'waiting' : run.status === 'died' ? 'interrupted' : run.status;
  return (
    <tr data-run-id={run.run_id} data-status={run.status} className={`status-${status}`}>
      <td>
        <span className="run-status" title={run.why}>
          <span className="run-status-dot" aria-hidden="true" />
          {run.gate ? 'Waiting' : STATUS_LABEL[run.status]}
        </span>
      </td>
      <td title={run.workflow_path ?? undefined}>{run.workflow ?? '—'}</td>
      <td>
        <a className="run-link" href={runHref(run.run_id)}>
          {run.run_id}
        </a>
      </td>
      <td>{run.started_at === null ? '—' : formatDateTime(run.started_at)}</td>
      <td data-field="active">{active}</td>
      <td data-field="wall">{wall}</td>
      <td data-field="resumes">{run.resumes}</td>
      <td data-field="step" title={run.error ?? undefined}>
        {run.step ? (
          <>
            {run.gate ? <span className="run-gate">waiting at </span> : null}
            {(run.status === 'failed' || run.status === 'interrupted' || run.status === 'died') && (
              <span className="run-failed-at">
                {run.status === 'failed' ? 'failed at ' : run.status === 'died' ? 'died at ' : 'stopped at '}
              </span>
            )}
            {run.step}
          </>
        ) : (
          '—'
        )}
      </td>
      <td data-field="cost">{costOf(run)}</td>
      <td>
        <div className="run-actions">
          {run.resumable && body.actions.resume && (
            <button
              type="button"
              className="button button-primary"
              title={run.why}
              onClick={() => void act(`Resume ${run.run_id}`, () => api.resume(run.run_id))}
            >
              Resume
            </button>
          )}
          {run.status === 'running' && run.owner && !run.owner.host && body.actions.stop && (
            <button
              type="button"
              className="button"
              onClick={() => void act(`Stop ${run.run_id}`, () => api.stop(run.run_id))}
            >
              Stop
            </button>
          )}
          {run.gate && run.gate_answerable && body.actions.gate && (
            <span className="run-gate-answer">
              <select
                aria-label={`Answer ${run.gate}`}
                value={choice}
                onChange={(e) => setChoice(e.target.value)}
              >
                <option value="">Answer {run.gate}…</option>
                {run.gate_options.map((option) => (
                  <option key={option.value} value={option.value}>
                    {option.label}
                  </option>
                ))}
              </select>
              <button
                type="button"
                className="button"
                disabled={choice === ''}
                onClick={() =>
                  void act(`Answer ${run.gate}`, () => api.answerGate(run.run_id, run.gate as string, choice))
                }
              >
                Send
              </button>
            </span>
          )}
          {run.deletable && body.actions.delete && !confirming && (
            <button type="button" className="button button-ghost" onClick={() => setConfirming(true)}>
              Delete
            </button>
          )}
          {confirming && (
            <span className="run-confirm">
              Delete {run.run_id} and its log?{' '}
              <button
                type="button"
                className="button button-danger"
                onClick={() => {
                  setConfirming(false);
                  void act(`Delete ${run.run_id}`, () => api.remove(run.run_id));
                }}
              >
                Delete
              </button>
              <button type="button" className="button button-ghost" onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </span>
          )}
        </div>
      </td>
    </tr>
  );
}
