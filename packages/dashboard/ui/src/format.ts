import type { UsageTotals } from '@conductor/events';
/** Formatting shared by the components. Timestamps are Unix seconds (floats), as in the events. */

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.floor(seconds)}s`;
  const whole = Math.floor(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}h ${pad(m)}m ${pad(s)}s` : `${m}m ${pad(s)}s`;
}

/** A run's elapsed time as a ticking clock: `4:07`, `1:02:03`. */
export function formatClock(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

export function formatUsd(value: number): string {
  return value < 0.01 && value > 0 ? `$${value.toFixed(4)}` : `$${value.toFixed(2)}`;
}

/**
 * What a step, a group or the run cost: dollars ("+" when some calls had no price and are left out),
 * "no price" when none had one, null when nothing called a model.
 */
export function usageCost(usage: UsageTotals): string | null {
  if (usage.attempts === 0) return null;
  if (usage.cost_usd === null) return 'no price';
  return `${formatUsd(usage.cost_usd)}${usage.unpriced > 0 ? '+' : ''}`;
}

/** "12,000 in · 800 out · 4,000 cached": the tokens of a step, a group or the run. */
export function usageTokens(usage: UsageTotals): string {
  const parts = [`${usage.input_tokens.toLocaleString()} in`, `${usage.output_tokens.toLocaleString()} out`];
  if (usage.cache_read_tokens > 0) parts.push(`${usage.cache_read_tokens.toLocaleString()} cache read`);
  if (usage.cache_write_tokens > 0) parts.push(`${usage.cache_write_tokens.toLocaleString()} cache write`);
  return parts.join(' · ');
}

/**
 * One time format for the whole page (header, activity, banners, replay): 24-hour and fixed-width, so
 * columns line up, with the date in front when it is not today.
 */
const clockFormat = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});
const dayFormat = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });

function sameDay(a: Date, b: Date): boolean {
  return a.toDateString() === b.toDateString();
}

/** Local wall-clock time with milliseconds (the activity stream), the date first when not today. */
export function formatTime(ts: number, now: number = Date.now() / 1000): string {
  const date = new Date(ts * 1000);
  const time = `${clockFormat.format(date)}.${String(date.getMilliseconds()).padStart(3, '0')}`;
  return sameDay(date, new Date(now * 1000)) ? time : `${dayFormat.format(date)} ${time}`;
}

/** Local time, the date first when not today. */
export function formatDateTime(ts: number, now: number = Date.now() / 1000): string {
  const date = new Date(ts * 1000);
  const time = clockFormat.format(date);
  return sameDay(date, new Date(now * 1000)) ? time : `${dayFormat.format(date)} ${time}`;
}

export function isoOf(ts: number): string {
  return new Date(ts * 1000).toISOString();
}

/** Seconds from an ISO date string (checkpoint times), or null when it does not parse. */
export function secondsOfIso(value: string | null): number | null {
  if (!value) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms / 1000;
}

/** A one-line preview of any value: strings as they are, the rest as compact JSON. */
export function preview(value: unknown, max = 160): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  text = text.replace(/\s+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function pretty(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A size for people: `812 bytes`, `48.2 KB`, `52.4 MB` (powers of 1000, as file managers show). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} byte${bytes === 1 ? '' : 's'}`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

export function generationLabel(generation: number): string {
  return generation === 0 ? 'original run' : `resume ${generation}`;
}
