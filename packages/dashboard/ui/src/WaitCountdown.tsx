import { useEffect, useState } from 'react';
import { formatDateTime, isoOf } from './format';

/** What is left of a wait ending at `until` (Unix seconds) at `now`: "12s left", "1m 05s left", or null once over. */
export function waitLeftText(until: number, now: number): string | null {
  const left = Math.ceil(until - now);
  if (left <= 0) return null;
  if (left < 60) return `${left}s left`;
  return `${Math.floor(left / 60)}m ${String(left % 60).padStart(2, '0')}s left`;
}

/** A wait step's end, and a countdown to it ticking once a second while it is ahead. */
export function WaitCountdown({ until }: { until: number }) {
  const [now, setNow] = useState(() => Date.now() / 1000);
  const left = waitLeftText(until, now);
  const ticking = left !== null;
  useEffect(() => {
    if (!ticking) return;
    const id = setInterval(() => setNow(Date.now() / 1000), 1000);
    return () => clearInterval(id);
  }, [ticking]);
  return (
    <span data-testid="wait-countdown">
      {left ? <strong className="mono">{left}</strong> : null}
      {left ? ' · ' : ''}
      <time dateTime={isoOf(until)} title={isoOf(until)}>
        {formatDateTime(until)}
      </time>
    </span>
  );
}
