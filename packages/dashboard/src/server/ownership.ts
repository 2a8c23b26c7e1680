import type { OwnershipBody, RunOwner } from '../protocol.js';

/**
 * Which process writes the run now (`RunOwner` says what each owner means). Only that process can stop
 * it or answer its gates; every other dashboard of the run is read-only (and says who runs it).
 * `pid`, `host` and `since` say which other process, when known. `unknown`: the dashboard was not told
 * (no `ownership` option and no `control`).
 */
export interface RunOwnership {
  owner: RunOwner;
  pid?: number;
  host?: string;
  /** ISO 8601: since when the owner has held the run. */
  since?: string;
}

/** Says who owns the run; called again when the log changes and at most about once a second. */
export type OwnershipSource = () => RunOwnership | Promise<RunOwnership>;

/** How long an answer is reused while the log does not change. */
const MAX_AGE_MS = 1000;

export interface OwnershipTracker {
  /** For `/api/info`: reused while the log is unchanged and the answer is under a second old. */
  current(): Promise<RunOwnership>;
  /** For control: asked afresh. */
  fresh(): Promise<RunOwnership>;
  /** The log changed: the next `current()` asks again. */
  invalidate(): void;
}

/**
 * Without a source, a dashboard given `control` is taken to run the run (what embedding meant before
 * ownership existed), and one without it does not know.
 */
export function trackOwnership(
  source: OwnershipSource | undefined,
  hasControl: boolean,
  onError: (error: unknown) => void,
): OwnershipTracker {
  if (!source) {
    const fixed: RunOwnership = hasControl
      ? { owner: 'this-process', pid: process.pid }
      : { owner: 'unknown' };
    const answer = () => Promise.resolve(fixed);
    return { current: answer, fresh: answer, invalidate() {} };
  }
  let cached: { value: Promise<RunOwnership>; at: number } | null = null;
  const ask = (): Promise<RunOwnership> => {
    const value = Promise.resolve()
      .then(source)
      .catch((error: unknown): RunOwnership => {
        // Not knowing is safe: control is refused, the UI claims nothing.
        onError(error);
        return { owner: 'unknown' };
      });
    cached = { value, at: Date.now() };
    return value;
  };
  return {
    current: () => (cached && Date.now() - cached.at < MAX_AGE_MS ? cached.value : ask()),
    fresh: ask,
    invalidate() {
      cached = null;
    },
  };
}

export function ownershipBody(ownership: RunOwnership): OwnershipBody {
  return {
    owner: ownership.owner,
    pid: ownership.pid ?? null,
    host: ownership.host ?? null,
    since: ownership.since ?? null,
  };
}

/** Why this dashboard may not control the run, and what the user can do instead. */
export function notOwnerMessage(what: string, ownership: RunOwnership, runId: string | null): string {
  const id = runId ?? '<run-id>';
  switch (ownership.owner) {
    case 'other-process': {
      const where = `${ownership.pid !== undefined ? `process ${ownership.pid}` : 'another process'}${ownership.host ? ` on ${ownership.host}` : ''}`;
      const since = ownership.since ? ` since ${ownership.since}` : '';
      return `this dashboard cannot ${what} the run: ${where} runs it${since}, not this one. Use that process's dashboard, or \`conductor stop ${id}\`.`;
    }
    case 'none':
      return `this dashboard cannot ${what} the run: no process runs it now. To continue it: \`conductor resume --run ${id}\`.`;
    default:
      return `this dashboard cannot ${what} the run: it cannot tell which process runs it, so it only shows the run.`;
  }
}
