import type { StepError } from '@conductor/events';
import { type ReactNode, useState } from 'react';
import { Time } from './Banners';
import { Icon } from './Icon';

/** The parts the side panels (a step's, a group's, the run's) are made of. */

/** The panel's title and its close button. */
export function DetailsHeader({
  title,
  onClose,
  children,
}: {
  title: string;
  onClose: () => void;
  /** Shown between the title and the close button. */
  children?: ReactNode;
}) {
  return (
    <header className="panel-header">
      <h2 className="panel-title" title={title}>
        {title}
      </h2>
      {children}
      <button type="button" className="icon-button" onClick={onClose} aria-label="Close details">
        <Icon name="close" />
      </button>
    </header>
  );
}

export function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="fact">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** A time, or a dash when there is none. */
export function TimeOrDash({ ts }: { ts: number | null }) {
  return ts !== null ? <Time ts={ts} /> : '—';
}

export function ErrorBox({ error, testId }: { error: StepError; testId?: string }) {
  return (
    <div className="error-box" role="note" data-testid={testId}>
      <Icon name="alert" />
      <div>
        {error.error_type ? <strong className="mono">{error.error_type}</strong> : null}
        {error.message ? <p>{error.message}</p> : null}
      </div>
    </div>
  );
}

/** "Type: message" on one line. */
export function errorLine(error: StepError): string {
  return [error.error_type, error.message].filter(Boolean).join(': ') || 'failed';
}

/**
 * One entry of an attempts or items list: a summary line that opens and closes the entry's body.
 * `attributes` are the entry's `data-*` hooks.
 */
export function ExpandableEntry({
  className,
  attributes,
  defaultOpen = false,
  summary,
  children,
}: {
  className: string;
  attributes: Record<`data-${string}`, string | number | undefined>;
  defaultOpen?: boolean;
  summary: (open: boolean) => ReactNode;
  children: ReactNode;
}) {
  const [open, setOpen] = useState(defaultOpen);
  return (
    <li className={className} {...attributes}>
      <button type="button" className="attempt-summary" aria-expanded={open} onClick={() => setOpen(!open)}>
        <Icon name="chevron" className={`chevron${open ? ' is-open' : ''}`} />
        {summary(open)}
      </button>
      {open ? <div className="attempt-body">{children}</div> : null}
    </li>
  );
}
