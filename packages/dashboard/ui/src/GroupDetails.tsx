import type { ItemState, RunState } from '@conductor/events';
import type { Api } from './api';
import { DetailsHeader, ErrorBox, ExpandableEntry, errorLine, Fact, TimeOrDash } from './DetailsParts';
import { formatDuration } from './format';
import { GroupProgress } from './GraphNodes';
import { groupCountsText } from './graphModel';
import { Icon, StatusBadge } from './Icon';
import { ItemList } from './ItemList';
import type { GroupFacts } from './runModel';
import { ValueView } from './ValueView';
import { type GroupView, itemLabel, stepKeyIn } from './workflowView';

interface GroupDetailsProps {
  api: Api;
  state: RunState;
  group: GroupView;
  /** From the group's start event, when the UI has seen it. */
  facts: GroupFacts | null;
  now: number;
  onClose: () => void;
  onSelect: (key: string) => void;
  onOpenSubworkflow: (path: string[]) => void;
}

const FAILURE_MODE: Record<string, string> = {
  fail_fast: 'fail fast: the first failure stops the rest',
  continue_on_error: 'continue on error: fails only if all fail',
  all_or_nothing: 'all or nothing: fails if any fails',
};

/** A group's side panel: its counts and timings, and its items (for-each) or members (parallel). */
export function GroupDetails({
  api,
  state,
  group,
  facts,
  now,
  onClose,
  onSelect,
  onOpenSubworkflow,
}: GroupDetailsProps) {
  const g = group.state;
  const end = g?.finished_at ?? (group.status === 'running' ? now : null);
  const elapsed = g && g.started_at !== null && end !== null ? Math.max(0, end - g.started_at) : null;
  const kind = group.kind === 'for_each' ? 'for each' : 'parallel';
  const failureMode = facts?.failure_mode ?? null;
  const maxConcurrent = facts?.max_concurrent ?? group.maxConcurrent;
  return (
    <section
      className="panel step-details group-details"
      data-testid="group-details"
      data-group={group.key}
      data-kind={group.kind}
      aria-label={`Details of group ${group.key}`}
    >
      <DetailsHeader title={group.key} onClose={onClose}>
        <span className="group-kind">
          <Icon name="group" className="badge-icon" />
          {kind}
        </span>
      </DetailsHeader>
      <div className="panel-scroll">
        <div className="details-section">
          <div className="details-status">
            <StatusBadge status={group.status} testId="group-status" />
            <span className="muted">{groupCountsText(group)}</span>
          </div>
          <GroupProgress group={group} className="is-large" />
          <dl className="group-stats">
            <Stat label="Done" value={group.completed} status="completed" />
            <Stat label="Failed" value={group.failed} status="failed" />
            <Stat label="Running" value={group.running} status="running" />
            <Stat
              label={group.kind === 'for_each' ? 'Items' : 'Members'}
              value={group.total}
              status="total"
            />
          </dl>
          <dl className="facts">
            <Fact label="Started">
              <TimeOrDash ts={g?.started_at ?? null} />
            </Fact>
            <Fact label="Finished">
              <TimeOrDash ts={g?.finished_at ?? null} />
            </Fact>
            <Fact label="Elapsed">{elapsed !== null ? formatDuration(elapsed) : '—'}</Fact>
            <Fact label="Failure mode">
              {failureMode ? (
                <span title={FAILURE_MODE[failureMode]}>{failureMode.replaceAll('_', ' ')}</span>
              ) : (
                <span className="muted" title="Known once the group's start event is in the loaded history">
                  unknown
                </span>
              )}
            </Fact>
            {group.kind === 'for_each' ? (
              <>
                <Fact label="Source">
                  {group.source ? <span className="mono">{group.source}</span> : '—'}
                </Fact>
                <Fact label="At once">{maxConcurrent ?? '—'}</Fact>
                {group.bodyType ? <Fact label="Body">{group.bodyType} step</Fact> : null}
              </>
            ) : null}
          </dl>
        </div>
        {group.kind === 'parallel' ? (
          <Members state={state} group={group} onSelect={onSelect} />
        ) : (
          <>
            <Items state={state} group={group} onOpenSubworkflow={onOpenSubworkflow} />
            {group.state ? <ItemList key={group.key} api={api} group={group} /> : null}
          </>
        )}
      </div>
    </section>
  );
}

function Members({
  state,
  group,
  onSelect,
}: {
  state: RunState;
  group: GroupView;
  onSelect: (key: string) => void;
}) {
  return (
    <div className="details-section">
      <h3 className="section-title">Members</h3>
      <ul className="group-members" aria-label="Members">
        {group.members.map((member) => {
          const key = stepKeyIn(group.path, member);
          const step = state.steps[key];
          const latest = step?.attempts[step.attempts.length - 1];
          const status = step?.status ?? 'pending';
          return (
            <li key={member} data-testid="group-member" data-step={key} data-status={status}>
              <button type="button" className="link-button" onClick={() => onSelect(key)}>
                {member}
              </button>
              <span className="muted">{step?.type ?? ''}</span>
              <span className="group-member-time muted">
                {latest && latest.elapsed !== null ? formatDuration(latest.elapsed) : ''}
              </span>
              <StatusBadge status={status} />
              {latest?.error && status === 'failed' ? (
                <span className="group-member-error" title={errorLine(latest.error)}>
                  {errorLine(latest.error)}
                </span>
              ) : null}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function Items({
  state,
  group,
  onOpenSubworkflow,
}: {
  state: RunState;
  group: GroupView;
  onOpenSubworkflow: (path: string[]) => void;
}) {
  // The projection keeps the items most recently started or finished; shown by index, latest first.
  const recent = group.state ? [...group.state.recent_items].sort((a, b) => b.index - a.index) : [];
  const failed = group.state?.failed_items ?? [];
  const shownFailed = group.failed - failed.length;
  const itemPath = (index: number) => [...group.path, `${group.name}[${index}]`];
  const subOf = (index: number) =>
    state.subworkflows[itemPath(index).join('/')] ? () => onOpenSubworkflow(itemPath(index)) : null;
  return (
    <>
      <div className="details-section">
        <h3 className="section-title">
          Recent items
          {group.total > recent.length ? (
            <span className="muted">
              {' '}
              — latest {recent.length} of {group.total.toLocaleString()}
            </span>
          ) : null}
        </h3>
        {recent.length === 0 ? <p className="empty">No item has started yet.</p> : null}
        <ol className="attempts-list" data-testid="group-recent-items" aria-label="Recent items">
          {recent.map((item) => (
            <ItemRow key={item.index} item={item} onOpen={subOf(item.index)} />
          ))}
        </ol>
      </div>
      {group.failed > 0 ? (
        <div className="details-section">
          <h3 className="section-title">
            Failed items
            {shownFailed > 0 ? (
              <span className="muted">
                {' '}
                — first {failed.length} of {group.failed}
              </span>
            ) : null}
          </h3>
          <ol className="attempts-list" data-testid="group-failed-items" aria-label="Failed items">
            {failed.map((item) => (
              <ItemRow key={item.index} item={item} onOpen={subOf(item.index)} />
            ))}
          </ol>
        </div>
      ) : null}
    </>
  );
}

function ItemRow({ item, onOpen }: { item: ItemState; onOpen: (() => void) | null }) {
  const hasOutput = item.output !== undefined && item.output !== null;
  return (
    <ExpandableEntry
      className={`attempt item-row status-${item.status}`}
      attributes={{
        'data-testid': 'group-item',
        'data-index': item.index,
        'data-key': item.key ?? undefined,
        'data-status': item.status,
      }}
      summary={(open) => (
        <>
          <span className="attempt-number">#{item.index}</span>
          {item.key !== null && item.key !== String(item.index) ? (
            <span className="chip mono item-key" title={item.key}>
              {item.key}
            </span>
          ) : null}
          <StatusBadge status={item.status} />
          {!open && item.error ? <span className="item-error-line">{errorLine(item.error)}</span> : null}
          <span className="attempt-time muted">
            {item.elapsed !== null ? formatDuration(item.elapsed) : ''}
          </span>
        </>
      )}
    >
      <dl className="facts">
        <Fact label="Item">{itemLabel(item.index, item.key)}</Fact>
        <Fact label="Started">
          <TimeOrDash ts={item.started_at} />
        </Fact>
        <Fact label="Finished">
          <TimeOrDash ts={item.finished_at} />
        </Fact>
      </dl>
      {item.error ? <ErrorBox error={item.error} /> : null}
      {hasOutput ? (
        <ValueView value={item.output} testId="group-item-output" label={`Output of item ${item.index}`} />
      ) : item.status === 'completed' ? (
        <p className="empty">No output.</p>
      ) : null}
      {onOpen ? (
        <button type="button" className="button" data-testid="open-subworkflow" onClick={onOpen}>
          <Icon name="group" />
          Open sub-workflow
        </button>
      ) : null}
    </ExpandableEntry>
  );
}

function Stat({ label, value, status }: { label: string; value: number; status: string }) {
  return (
    <div className={`group-stat stat-${status}`} data-testid={`group-stat-${status}`} data-value={value}>
      <dt>{label}</dt>
      <dd>{value.toLocaleString()}</dd>
    </div>
  );
}
