import type { Attempt, RunState, StepState } from '@conductor/events';
import type { Api } from './api';
import { Time } from './Banners';
import { CodeBlock } from './CodeBlock';
import { DetailsHeader, ErrorBox, ExpandableEntry, Fact, TimeOrDash } from './DetailsParts';
import { formatDuration, formatUsd, generationLabel, usageCost, usageTokens } from './format';
import { Icon, StatusBadge } from './Icon';
import { OutputView } from './OutputView';
import { ToolCalls } from './ToolCalls';
import { WaitCountdown } from './WaitCountdown';
import { isSubworkflowStep, waitingInside } from './workflowView';

interface StepDetailsProps {
  api: Api;
  state: RunState;
  stepKey: string;
  onClose: () => void;
  onSelect: (key: string) => void;
  /** Shows the sub-workflow at this parent path in the graph panel. */
  onOpenSubworkflow: (path: string[]) => void;
}

export function StepDetails({ api, state, stepKey, onClose, onSelect, onOpenSubworkflow }: StepDetailsProps) {
  const step = state.steps[stepKey];
  const group = state.groups[stepKey];
  const children = state.step_order.filter((key) => state.steps[key]?.subworkflow_path.join('/') === stepKey);
  const isSub = isSubworkflowStep(state, stepKey);
  return (
    <section className="panel step-details" data-testid="step-details" aria-label={`Details of ${stepKey}`}>
      <DetailsHeader title={stepKey} onClose={onClose} />
      <div className="panel-scroll">
        {isSub ? (
          <SubworkflowSection
            state={state}
            stepKey={stepKey}
            onOpen={onOpenSubworkflow}
            onSelect={onSelect}
          />
        ) : null}
        {step && step.status === 'waiting' && step.subworkflow_path.length > 0 ? (
          <div className="details-section">
            <p className="waiting-inside">
              <Icon name="gate" className="waiting-icon" />
              <span>
                This gate is inside a sub-workflow: the dashboard answers only top-level gates so far. Answer
                it in the terminal that runs the workflow.
              </span>
            </p>
          </div>
        ) : null}
        {step ? <StepBody step={step} api={api} /> : null}
        {!step && group ? (
          <div className="details-section">
            <StatusBadge status={group.status} />
            <dl className="facts">
              <Fact label="Kind">{group.kind === 'for_each' ? 'for each' : 'parallel'}</Fact>
              <Fact label="Progress">
                {group.completed}/{group.total} done, {group.failed} failed, {group.running} running
              </Fact>
              <Fact label="Started">
                <TimeOrDash ts={group.started_at} />
              </Fact>
              <Fact label="Finished">
                <TimeOrDash ts={group.finished_at} />
              </Fact>
            </dl>
          </div>
        ) : null}
        {!step && !group ? <p className="empty">This step has not run yet.</p> : null}
        {children.length > 0 ? (
          <div className="details-section">
            <h3 className="section-title">Sub-workflow steps</h3>
            <ul className="child-steps">
              {children.map((key) => {
                const child = state.steps[key] as StepState;
                return (
                  <li key={key}>
                    <button type="button" className="link-button" onClick={() => onSelect(key)}>
                      {child.name}
                    </button>
                    <StatusBadge status={child.status} />
                  </li>
                );
              })}
            </ul>
          </div>
        ) : null}
      </div>
    </section>
  );
}

/** A `type: workflow` step: its child workflow, and the way into its graph. */
function SubworkflowSection({
  state,
  stepKey,
  onOpen,
  onSelect,
}: {
  state: RunState;
  stepKey: string;
  onOpen: (path: string[]) => void;
  onSelect: (key: string) => void;
}) {
  const sub = state.subworkflows[stepKey];
  const waiting = waitingInside(state, stepKey);
  return (
    <div className="details-section subworkflow-section">
      <div className="details-status">
        <span className="node-badge">
          <Icon name="group" className="badge-icon" />
          sub-workflow
        </span>
        {sub ? <strong className="subworkflow-name">{sub.graph.name}</strong> : null}
        {sub ? <StatusBadge status={sub.status} testId="subworkflow-status" /> : null}
      </div>
      <button
        type="button"
        className="button button-primary open-subworkflow"
        data-testid="open-subworkflow"
        disabled={!sub}
        onClick={() => onOpen(stepKey.split('/'))}
      >
        <Icon name="group" />
        Open sub-workflow
      </button>
      {sub ? null : <p className="muted hint-inline">Its graph is shown once the step has started it.</p>}
      {waiting.map((gate) => (
        <p key={gate.key} className="waiting-inside" data-testid="waiting-inside">
          <Icon name="gate" className="waiting-icon" />
          <span>
            <button type="button" className="link-button" onClick={() => onSelect(gate.key)}>
              {gate.key}
            </button>{' '}
            is waiting for a decision
          </span>
        </p>
      ))}
    </div>
  );
}

function StepBody({ step, api }: { step: StepState; api: Api }) {
  const latest = step.attempts[step.attempts.length - 1];
  const dropped = step.attempt_count - step.attempts.length;
  return (
    <>
      <div className="details-section">
        <div className="details-status">
          <StatusBadge status={step.status} testId="step-status" />
          <span className="muted">{step.type ?? 'step'}</span>
          <span className="muted">
            {step.attempt_count} attempt{step.attempt_count === 1 ? '' : 's'}
          </span>
          {latest?.synthetic ? <span className="tag tag-synthetic">summary from checkpoint</span> : null}
        </div>
        {latest ? (
          <dl className="facts">
            <Fact label="Started">
              <Timestamp ts={latest.started_at} testId="step-started-at" />
            </Fact>
            <Fact label="Finished">
              <Timestamp ts={latest.finished_at} testId="step-finished-at" />
            </Fact>
            <Fact label="Elapsed">{latest.elapsed !== null ? formatDuration(latest.elapsed) : '—'}</Fact>
            {latest.status === 'running' && latest.wait_until !== undefined ? (
              <Fact label="Wait ends">
                <WaitCountdown until={latest.wait_until} />
              </Fact>
            ) : null}
            <Fact label="Generation">{generationLabel(latest.generation)}</Fact>
            {latest.model ? <Fact label="Model">{latest.model}</Fact> : null}
            {latest.input_tokens !== null || latest.output_tokens !== null || latest.tokens !== null ? (
              <Fact label="Tokens">{tokensText(latest)}</Fact>
            ) : null}
            {latest.cost_usd !== null ? <Fact label="Cost">{formatUsd(latest.cost_usd)}</Fact> : null}
            {step.usage.attempts > 1 || (step.type === 'workflow' && step.usage.attempts > 0) ? (
              <Fact label={step.type === 'workflow' ? 'Cost of its sub-workflow' : 'Cost of all attempts'}>
                <span title={usageTokens(step.usage)}>{usageCost(step.usage)}</span>
              </Fact>
            ) : null}
            {latest.retries > 0 ? <Fact label="Retries">{latest.retries}</Fact> : null}
            {latest.tool_calls > 0 ? <Fact label="Tool calls">{latest.tool_calls}</Fact> : null}
          </dl>
        ) : (
          <p className="empty">This step has not run yet.</p>
        )}
      </div>
      {latest?.error ? <ErrorBox error={latest.error} testId="step-error" /> : null}
      {latest ? (
        <div className="details-section">
          <h3 className="section-title">Output</h3>
          {latest.output !== undefined && latest.output !== null ? (
            <OutputView
              api={api}
              attempt={latest}
              testId="step-output"
              label={`Output of ${step.name}`}
              stepName={step.name}
            />
          ) : (
            <p className="empty" data-testid="step-output">
              {latest.status === 'running' || latest.status === 'waiting' ? 'No output yet.' : 'No output.'}
            </p>
          )}
        </div>
      ) : null}
      {latest && latest.tool_calls > 0 ? (
        <div className="details-section">
          <ToolCalls api={api} attempt={latest} stepName={step.name} />
        </div>
      ) : null}
      {latest?.prompt ? (
        <details className="details-section">
          <summary className="section-title">Rendered prompt</summary>
          <CodeBlock value={latest.prompt} label={`Prompt of ${step.name}`} />
        </details>
      ) : null}
      <div className="details-section">
        <h3 className="section-title">
          Attempts
          {dropped > 0 ? (
            <span className="muted">
              {' '}
              — latest {step.attempts.length} of {step.attempt_count}
            </span>
          ) : null}
        </h3>
        {step.attempts.length === 0 ? <p className="empty">None yet.</p> : null}
        <ol className="attempts-list" reversed>
          {[...step.attempts].reverse().map((attempt, i) => (
            <AttemptItem
              key={attempt.number}
              api={api}
              stepName={step.name}
              attempt={attempt}
              defaultOpen={i === 0 && step.attempts.length > 1}
            />
          ))}
        </ol>
      </div>
    </>
  );
}

function AttemptItem({
  api,
  stepName,
  attempt,
  defaultOpen,
}: {
  api: Api;
  stepName: string;
  attempt: Attempt;
  defaultOpen: boolean;
}) {
  return (
    <ExpandableEntry
      className={`attempt status-${attempt.status}${attempt.synthetic ? ' is-synthetic' : ''}`}
      attributes={{
        'data-testid': 'attempt',
        'data-attempt': attempt.number,
        'data-generation': attempt.generation,
        'data-status': attempt.status,
      }}
      defaultOpen={defaultOpen}
      summary={() => (
        <>
          <span className="attempt-number">#{attempt.number}</span>
          <StatusBadge status={attempt.status} />
          <span className="chip">{generationLabel(attempt.generation)}</span>
          {attempt.iteration !== null ? <span className="muted">iteration {attempt.iteration}</span> : null}
          {attempt.synthetic ? <span className="tag tag-synthetic">summary from checkpoint</span> : null}
          <span className="attempt-time muted">
            {attempt.elapsed !== null ? formatDuration(attempt.elapsed) : ''}
          </span>
        </>
      )}
    >
      <dl className="facts">
        <Fact label="Started">
          <Timestamp ts={attempt.started_at} />
        </Fact>
        <Fact label="Finished">
          <Timestamp ts={attempt.finished_at} />
        </Fact>
        {attempt.model ? <Fact label="Model">{attempt.model}</Fact> : null}
        {attempt.input_tokens !== null || attempt.output_tokens !== null || attempt.tokens !== null ? (
          <Fact label="Tokens">{tokensText(attempt)}</Fact>
        ) : null}
        {attempt.cost_usd !== null ? <Fact label="Cost">{formatUsd(attempt.cost_usd)}</Fact> : null}
        <Fact label="Events">
          seq {attempt.first_seq}–{attempt.last_seq}
        </Fact>
      </dl>
      {attempt.error ? <ErrorBox error={attempt.error} testId="step-error" /> : null}
      {attempt.output !== undefined && attempt.output !== null ? (
        <OutputView
          api={api}
          attempt={attempt}
          label={`Output of attempt ${attempt.number}`}
          stepName={stepName}
        />
      ) : null}
      <ToolCalls api={api} attempt={attempt} stepName={stepName} />
    </ExpandableEntry>
  );
}

function Timestamp({ ts, testId }: { ts: number | null; testId?: string }) {
  if (ts === null)
    return (
      <span data-testid={testId} className="muted">
        —
      </span>
    );
  return (
    <span data-testid={testId} data-timestamp={ts}>
      <Time ts={ts} />
    </span>
  );
}

function tokensText(a: Attempt): string {
  const parts: string[] = [];
  if (a.input_tokens !== null) parts.push(`${a.input_tokens.toLocaleString()} in`);
  if (a.output_tokens !== null) parts.push(`${a.output_tokens.toLocaleString()} out`);
  if (a.cache_read_tokens) parts.push(`${a.cache_read_tokens.toLocaleString()} cache read`);
  if (a.cache_write_tokens) parts.push(`${a.cache_write_tokens.toLocaleString()} cache write`);
  if (a.tokens !== null) parts.push(`${a.tokens.toLocaleString()} total`);
  return parts.join(' · ');
}
