import { decodeEvent } from '@conductor/events';
import type {
  DashboardErrorCode,
  DialogMessageBody,
  ErrorBody,
  EventsPage,
  GateAnswerBody,
  InfoBody,
  StateBody,
} from '../../src/protocol';

const TOKEN_KEY = 'conductor.token';

/**
 * The token arrives once in the printed URL (`?token=`). It is kept for the tab's session and taken out
 * of the address bar so it does not end up in history, bookmarks or screenshots.
 */
export function takeToken(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl !== null) {
    try {
      sessionStorage.setItem(TOKEN_KEY, fromUrl);
    } catch {
      // Storage may be disabled; the token still lives for this page.
    }
    url.searchParams.delete('token');
    window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

/** Where the app is mounted: the folder above the bundle's `assets/` (any path prefix works). */
const appBase = new URL(/* @vite-ignore */ '../', import.meta.url);

export class ApiError extends Error {
  readonly status: number;
  readonly code: DashboardErrorCode | null;
  constructor(status: number, message: string, code: DashboardErrorCode | null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

export interface Api {
  info(): Promise<InfoBody>;
  state(): Promise<StateBody>;
  eventsAfter(after: number, limit: number): Promise<EventsPage>;
  eventsBefore(before: number, limit: number): Promise<EventsPage>;
  stop(): Promise<void>;
  /** `additionalInput`: the text an option's `prompt_for` asks for (or named texts). */
  answerGate(
    step: string,
    value: string,
    additionalInput?: string | Record<string, string> | null,
  ): Promise<void>;
  /** The user's next message in the dialog of the agent step `step` ("done" ends it). */
  sendDialog(step: string, message: string): Promise<void>;
  downloadLog(): Promise<Blob>;
  /** The whole of a text stored over the output cap (`spills[field].ref`). */
  storedOutput(ref: string): Promise<Blob>;
  socketUrl(after: number): string;
}

export interface CreateApiOptions {
  /**
   * Ask for `/api/info` and `/api/state` at once, before the page has rendered anything: their first
   * calls take these answers. Both wait for the server's fold of the history, which then overlaps
   * the page's own start-up instead of following it.
   */
  prefetch?: boolean;
}

export function createApi(token: string | null, options: CreateApiOptions = {}): Api {
  const headers = (extra: Record<string, string> = {}): Record<string, string> =>
    token ? { ...extra, authorization: `Bearer ${token}` } : extra;

  async function request(path: string, init: RequestInit = {}): Promise<Response> {
    const response = await fetch(new URL(path, appBase), {
      ...init,
      headers: headers(init.body ? { 'content-type': 'application/json' } : {}),
      cache: 'no-store',
    });
    if (!response.ok) throw await errorOf(response);
    return response;
  }

  const json = async <T>(path: string, init?: RequestInit): Promise<T> =>
    (await request(path, init)).json() as Promise<T>;

  const early = new Map<string, Promise<unknown>>();
  if (options.prefetch) {
    for (const path of ['api/info', 'api/state']) {
      const answer = json(path);
      // Reported by the call that takes it.
      answer.catch(() => {});
      early.set(path, answer);
    }
  }
  /** The prefetched answer the first time, a new request after that. */
  const first = <T>(path: string): Promise<T> => {
    const answer = early.get(path);
    if (!answer) return json<T>(path);
    early.delete(path);
    return answer as Promise<T>;
  };

  return {
    info: () => first<InfoBody>('api/info'),
    state: () => first<StateBody>('api/state'),
    eventsAfter: (after, limit) => decodedPage(json<EventsPage>(`api/events?after=${after}&limit=${limit}`)),
    eventsBefore: (before, limit) =>
      decodedPage(json<EventsPage>(`api/events?before=${before}&limit=${limit}`)),
    stop: async () => {
      await request('api/stop', { method: 'POST', body: '{}' });
    },
    answerGate: async (step, value, additionalInput) => {
      const body: GateAnswerBody =
        additionalInput === undefined || additionalInput === null
          ? { step, value }
          : { step, value, additional_input: additionalInput };
      await request('api/gate', { method: 'POST', body: JSON.stringify(body) });
    },
    sendDialog: async (step, message) => {
      const body: DialogMessageBody = { step, message };
      await request('api/dialog', { method: 'POST', body: JSON.stringify(body) });
    },
    downloadLog: async () => (await request('api/logs')).blob(),
    storedOutput: async (ref) => (await request(`api/outputs/${encodeURIComponent(ref)}`)).blob(),
    socketUrl: (after) => {
      // batch=1: many events per frame (docs/dashboard-protocol.md); liveClient decodes both forms.
      const url = new URL(`ws?after=${after}&batch=1`, appBase);
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
      if (token) url.searchParams.set('token', token);
      return url.toString();
    },
  };
}

/** A page with each event checked as it enters (`decodeEvent`): what is not an event is left out. */
async function decodedPage(answer: Promise<EventsPage>): Promise<EventsPage> {
  const page = await answer;
  const events = page.events.flatMap((value: unknown) => {
    const decoded = decodeEvent(value);
    return decoded.ok ? [decoded.event] : [];
  });
  return { ...page, events };
}

async function errorOf(response: Response): Promise<ApiError> {
  let message = `${response.status} ${response.statusText}`;
  let code: DashboardErrorCode | null = null;
  try {
    // Any JSON may come back (a proxy's error page, ...): read it as an error body only if it is one.
    const body = (await response.json()) as Partial<ErrorBody> | null;
    if (body?.error?.message) message = body.error.message;
    code = body?.error?.code ?? null;
  } catch {
    // Not JSON: keep the status line.
  }
  return new ApiError(response.status, message, code);
}
