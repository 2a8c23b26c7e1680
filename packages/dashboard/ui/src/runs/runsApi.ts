import type { RunActionBody, RunListBody } from '../../../src/runs-protocol';
import { ApiError } from '../api';

/** The run list server's API, relative to the page (the list is served at the server's root). */
export interface RunsApi {
  list(): Promise<RunListBody>;
  resume(runId: string): Promise<RunActionBody>;
  stop(runId: string): Promise<RunActionBody>;
  answerGate(runId: string, step: string, value: string): Promise<RunActionBody>;
  remove(runId: string): Promise<RunActionBody>;
}

const appBase = new URL(/* @vite-ignore */ '../', import.meta.url);

export function createRunsApi(token: string | null): RunsApi {
  async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
    const headers: Record<string, string> = init.body ? { 'content-type': 'application/json' } : {};
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await fetch(new URL(path, appBase), { ...init, headers, cache: 'no-store' });
    if (!response.ok) {
      let message = `${response.status} ${response.statusText}`;
      let code = null;
      try {
        const body = (await response.json()) as { error?: { message?: string; code?: string } };
        message = body.error?.message ?? message;
        code = body.error?.code ?? null;
      } catch {
        // Not JSON: keep the status line.
      }
      throw new ApiError(response.status, message, code as never);
    }
    return (await response.json()) as T;
  }
  const id = encodeURIComponent;
  return {
    list: () => call<RunListBody>('api/runs'),
    resume: (runId) => call(`api/runs/${id(runId)}/resume`, { method: 'POST', body: '{}' }),
    stop: (runId) => call(`api/runs/${id(runId)}/stop`, { method: 'POST', body: '{}' }),
    answerGate: (runId, step, value) =>
      call(`api/runs/${id(runId)}/gate`, { method: 'POST', body: JSON.stringify({ step, value }) }),
    remove: (runId) => call(`api/runs/${id(runId)}`, { method: 'DELETE' }),
  };
}

/** The page of a run: the run view at `runs/<id>/`. */
export function runHref(runId: string): string {
  return new URL(`runs/${encodeURIComponent(runId)}/`, appBase).pathname;
}
