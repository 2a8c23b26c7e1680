import { useCallback, useEffect, useRef, useState } from 'react';
import type { InfoBody, StateBody } from '../../src/protocol';
import { type Api, ApiError } from './api';

/** How often a live dashboard asks again who owns the run (a process may end without an event). */
const REFRESH_MS = 2000;

export interface InfoState {
  info: InfoBody | null;
  error: string | null;
  unauthorized: boolean;
  /** Asks again now, e.g. when the run's status changed. */
  refresh(): void;
}

/**
 * `/api/info`, kept current: who owns the run and what this dashboard may do change while the tab is
 * open (another process resumes the run, the run ends, its process dies), so it is asked again every
 * few seconds and whenever `refresh` is called. A replay's info never changes.
 */
export function useInfo(api: Api): InfoState {
  const [info, setInfo] = useState<InfoBody | null>(null);
  const [unauthorized, setUnauthorized] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const loadRef = useRef<() => void>(() => {});

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let loading = false;
    const load = async () => {
      if (loading) return;
      loading = true;
      clearTimeout(timer);
      let next = REFRESH_MS;
      try {
        const answer = await api.info();
        if (stopped) return;
        setError(null);
        setInfo((previous) => (JSON.stringify(previous) === JSON.stringify(answer) ? previous : answer));
        if (answer.mode === 'replay') return;
      } catch (e) {
        if (stopped) return;
        if (e instanceof ApiError && e.status === 401) {
          setUnauthorized(true);
          return;
        }
        setError(e instanceof Error ? e.message : String(e));
      } finally {
        loading = false;
      }
      if (!stopped) {
        if (document.hidden) next = REFRESH_MS * 5;
        timer = setTimeout(load, next);
      }
    };
    loadRef.current = () => void load();
    const onVisibility = () => {
      if (!document.hidden) void load();
    };
    document.addEventListener('visibilitychange', onVisibility);
    void load();
    return () => {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [api]);

  const refresh = useCallback(() => loadRef.current(), []);
  return { info, error, unauthorized, refresh };
}

/**
 * The run's state as first asked for (`/api/state`, asked for as the page started): undefined while
 * on its way, null if it could not be had (the live client then asks again, with retries).
 */
export function useFirstState(api: Api): StateBody | null | undefined {
  const [first, setFirst] = useState<StateBody | null | undefined>(undefined);
  useEffect(() => {
    let stopped = false;
    api.state().then(
      (body) => {
        if (!stopped) setFirst(body);
      },
      () => {
        if (!stopped) setFirst(null);
      },
    );
    return () => {
      stopped = true;
    };
  }, [api]);
  return first;
}
