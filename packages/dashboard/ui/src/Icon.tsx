import type { StepStatus } from '@conductor/events';

const PATHS = {
  check: 'M4 8.5l2.5 2.5L12 5.5',
  cross: 'M5 5l6 6M11 5l-6 6',
  pending: 'M8 3.5a4.5 4.5 0 1 0 0 9a4.5 4.5 0 1 0 0-9',
  running: 'M8 2.5a5.5 5.5 0 1 1-5.5 5.5',
  waiting: 'M6 4.5v7M10 4.5v7',
  skipped: 'M4 8h8M9 5l3 3-3 3',
  flag: 'M4.5 13.5V3M4.5 3.5h7l-1.5 2.5 1.5 2.5h-7',
  play: 'M5 3.5v9l7-4.5z',
  pause: 'M5.5 3.5v9M10.5 3.5v9',
  stop: 'M4.5 4.5h7v7h-7z',
  download: 'M8 2.5v8M4.5 7.5L8 11l3.5-3.5M3 13.5h10',
  alert: 'M8 2.5l6 11H2zM8 6.5v3.5M8 11.8v.2',
  resume: 'M3 8a5 5 0 1 0 1.5-3.5M3 2.5v2.5h2.5',
  info: 'M8 2.5a5.5 5.5 0 1 0 0 11a5.5 5.5 0 1 0 0-11M8 7.5v3.5M8 5.2v.2',
  chevron: 'M6 4l4 4-4 4',
  copy: 'M5.5 5.5h7v7h-7zM3.5 10.5v-7h7',
  close: 'M4.5 4.5l7 7M11.5 4.5l-7 7',
  plus: 'M8 3.5v9M3.5 8h9',
  minus: 'M3.5 8h9',
  fit: 'M3 6V3h3M10 3h3v3M13 10v3h-3M6 13H3v-3',
  down: 'M8 3v9M4.5 8.5L8 12l3.5-3.5',
  up: 'M8 13V4M4.5 7.5L8 4l3.5 3.5',
  gate: 'M3 13.5V4.5l5-2 5 2v9M6 13.5v-5h4v5',
  message: 'M3 3.5h10v7H7l-3 2.5v-2.5H3z',
  tool: 'M10.5 2.5a3 3 0 0 0-2.9 3.8L3 10.9 5.1 13l4.6-4.6a3 3 0 0 0 3.8-2.9l-1.8 1.8-2-.5-.5-2z',
  group: 'M2.5 3.5h5v4h-5zM8.5 8.5h5v4h-5zM5 7.5v3h3.5',
  run: 'M2.5 8h3l1.5-4 2 8 1.5-4h3',
  step: 'M3.5 3.5h9v9h-9z',
  error: 'M8 2.5a5.5 5.5 0 1 0 0 11a5.5 5.5 0 1 0 0-11M6 6l4 4M10 6l-4 4',
} as const;

export type IconName = keyof typeof PATHS;

/** A decorative icon: the text next to it says what it means. */
export function Icon({ name, className }: { name: IconName; className?: string }) {
  return (
    <svg
      className={`icon icon-${name}${className ? ` ${className}` : ''}`}
      viewBox="0 0 16 16"
      width="16"
      height="16"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.6"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
    >
      <path d={PATHS[name]} />
    </svg>
  );
}

export const STATUS_LABEL: Record<StepStatus, string> = {
  pending: 'Pending',
  running: 'Running',
  waiting: 'Waiting',
  completed: 'Completed',
  failed: 'Failed',
  skipped: 'Skipped',
};

const STATUS_ICON: Record<string, IconName> = {
  pending: 'pending',
  running: 'running',
  waiting: 'waiting',
  completed: 'check',
  failed: 'cross',
  skipped: 'skipped',
  interrupted: 'stop',
  stalled: 'alert',
};

export function StatusIcon({ status }: { status: string }) {
  return <Icon name={STATUS_ICON[status] ?? 'pending'} className={`status-icon status-${status}`} />;
}

/**
 * Status as colour, icon and word together: never colour alone. `name`: the badge is a live status
 * with that name (the run's, in the header), announced when it changes.
 */
export function StatusBadge({
  status,
  label,
  testId,
  name,
}: {
  status: string;
  label?: string;
  testId?: string;
  name?: string;
}) {
  return (
    <span
      className={`badge status-${status}`}
      data-testid={testId}
      data-status={status}
      {...(name ? { role: 'status', 'aria-label': name } : {})}
    >
      <StatusIcon status={status} />
      {label ?? status.charAt(0).toUpperCase() + status.slice(1)}
    </span>
  );
}
