import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Stable codes of the dashboard's JSON errors (`{ error: { code, message } }`). */
export type DashboardErrorCode =
  | 'CONDUCTOR_TOKEN'
  | 'CONDUCTOR_HOST'
  | 'CONDUCTOR_ORIGIN'
  | 'CONDUCTOR_NOT_FOUND'
  | 'CONDUCTOR_BAD_REQUEST'
  | 'CONDUCTOR_CONFLICT'
  | 'CONDUCTOR_NOT_OWNER'
  | 'CONDUCTOR_NO_CONTROL'
  | 'CONDUCTOR_UPGRADE_REQUIRED'
  | 'CONDUCTOR_INTERNAL';

export interface ErrorBody {
  error: { code: DashboardErrorCode; message: string };
}

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
