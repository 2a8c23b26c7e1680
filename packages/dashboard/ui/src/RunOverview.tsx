import type { RunState } from '@conductor/events';
import { Time } from './Banners';
import { CodeBlock } from './CodeBlock';
import { formatUsd, usageCost, usageTokens } from './format';
import { StatusBadge } from './Icon';
import { countsText, nodeCounts } from './runFacts';
import { ValueView } from './ValueView';

/** The side panel when no step is selected: the run as a whole. */
/** `stalled`: the log says running but no process runs the run. */
export function RunOverview({ state, stalled = false }: { state: RunState; stalled?: boolean }) {
  const { run } = state;
  const hasInputs = Object.keys(run.inputs).length > 0;
  return (
    <section className="panel run-overview" aria-label="Run overview" data-testid="run-overview">
      <header className="panel-header">
        <h2 className="panel-title">Run</h2>
        {stalled ? <StatusBadge status="stalled" label="Stalled" /> : <StatusBadge status={run.status} />}
      </header>
      <div className="panel-scroll">
        <div className="details-section">
          <dl className="facts">
            <div className="fact">
              <dt>Started</dt>
              <dd>{run.started_at !== null ? <Time ts={run.started_at} /> : '—'}</dd>
            </div>
            <div className="fact">
              <dt>Finished</dt>
              <dd>{run.finished_at !== null ? <Time ts={run.finished_at} /> : '—'}</dd>
            </div>
            <div className="fact">
              <dt>Steps</dt>
              <dd data-testid="run-step-counts">{countsText(nodeCounts(state))}</dd>
            </div>
            {run.usage.attempts > 0 ? (
              <>
                <div className="fact">
                  <dt>Tokens</dt>
                  <dd>{usageTokens(run.usage)}</dd>
                </div>
                <div className="fact">
                  <dt>Total cost</dt>
                  <dd data-testid="run-total-cost">
                    {usageCost(run.usage)}
                    {run.usage.unpriced > 0 ? (
                      <span className="muted">
                        {' '}
                        ({run.usage.unpriced} call{run.usage.unpriced === 1 ? '' : 's'} without a price not
                        counted)
                      </span>
                    ) : null}
                  </dd>
                </div>
              </>
            ) : null}
            {run.budget_exceeded ? (
              <div className="fact">
                <dt>Budget</dt>
                <dd className="over-budget" data-testid="run-budget">
                  passed {formatUsd(run.budget_exceeded.budget_usd)} ({run.budget_exceeded.budget_mode})
                </dd>
              </div>
            ) : null}
            <div className="fact">
              <dt>Resumes</dt>
              <dd>{run.generation}</dd>
            </div>
            <div className="fact">
              <dt>Events</dt>
              <dd className="mono">{state.last_seq.toLocaleString()}</dd>
            </div>
          </dl>
        </div>
        {run.output !== undefined && run.output !== null ? (
          <div className="details-section">
            <h3 className="section-title">Output</h3>
            <ValueView value={run.output} testId="run-output" label="Run output" />
          </div>
        ) : null}
        {hasInputs ? (
          <div className="details-section">
            <h3 className="section-title">Inputs</h3>
            <CodeBlock value={run.inputs} label="Run inputs" />
          </div>
        ) : null}
        <p className="hint">
          Select a step in the graph, or a step name in the activity, to see its attempts and output.
        </p>
      </div>
    </section>
  );
}
