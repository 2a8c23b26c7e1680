import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { DashboardErrorCode, ErrorBody } from '../protocol.js';

export function errorBody(code: DashboardErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}

/** Answers a JSON error. */
export function jsonError(
  c: Context,
  status: ContentfulStatusCode,
  code: DashboardErrorCode,
  message: string,
) {
  return c.json(errorBody(code, message), status);
}
