import type { ResumeMark } from '@conductor/events';
import type { ActivityRow, Category } from './activity';
import { formatDateTime, formatTime, isoOf } from './format';
import { Icon, type IconName } from './Icon';

export const CATEGORY_ICON: Record<Category, IconName> = {
  run: 'run',
  step: 'step',
  message: 'message',
  tool: 'tool',
  gate: 'gate',
  group: 'group',
  error: 'error',
};

/** One row of the activity stream: time, type, step and what happened. */
export function Row({
  row,
  selected,
  onSelectStep,
}: {
  row: ActivityRow;
  selected: boolean;
  onSelectStep: (key: string) => void;
}) {
  return (
    <div
      className={`activity-row category-${row.category}${row.synthetic ? ' is-synthetic' : ''}${selected ? ' is-selected' : ''}`}
      data-testid="activity-row"
      data-seq={row.seq}
      data-type={row.type}
      data-step={row.step ?? undefined}
      data-path={row.path}
    >
      <time
        className="activity-time mono"
        dateTime={isoOf(row.timestamp)}
        title={`${isoOf(row.timestamp)} · seq ${row.seq}`}
      >
        {formatTime(row.timestamp)}
      </time>
      <span className="activity-type" title={row.type}>
        <Icon name={CATEGORY_ICON[row.category]} />
        <span className="activity-type-name">{row.type}</span>
      </span>
      <span className="activity-step">
        {row.step ? (
          <button
            type="button"
            className="step-link"
            onClick={() => onSelectStep(row.step as string)}
            title={`Show ${row.step}`}
          >
            {row.step}
          </button>
        ) : null}
      </span>
      <span className="activity-summary" title={row.summary}>
        {row.synthetic ? <span className="tag tag-synthetic">summary</span> : null}
        {row.count > 1 ? (
          <span
            className="tag"
            data-testid="chunk-count"
            title={`${row.count} streamed chunks, ${row.chars.toLocaleString()} characters, shown as one row`}
          >
            {row.count.toLocaleString()} chunks
          </span>
        ) : null}
        {row.summary}
      </span>
    </div>
  );
}

export function ResumeDivider({ mark }: { mark: ResumeMark }) {
  return (
    <div
      className="resume-divider"
      data-testid="resume-divider"
      data-seq={mark.seq}
      data-generation={mark.generation}
      title={
        mark.history_source === 'synthetic'
          ? 'History before this point is a summary rebuilt from the checkpoint'
          : undefined
      }
    >
      <span className="resume-divider-line" />
      <span className="resume-divider-text">
        <Icon name="resume" />
        <span className="resume-divider-label">
          Resumed — resume {mark.generation}, at{' '}
          <time dateTime={isoOf(mark.at)} title={isoOf(mark.at)}>
            {formatDateTime(mark.at)}
          </time>
          , from step {mark.resumed_at_step || '—'}
        </span>
      </span>
      <span className="resume-divider-line" />
    </div>
  );
}
