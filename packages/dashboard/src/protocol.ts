/**
 * The dashboard's protocol (docs/dashboard-protocol.md) as the server answers it and the web UI reads
 * it. Both import this file (the UI from ../../src/protocol), so a change on one side fails the
 * other's typecheck. It imports only types, so the UI's bundle takes nothing else of the server.
 */
import type { ConductorEvent, RunState } from '@conductor/events';

/**
 * Which process writes the run now. Only that process can stop it or answer its gates.
 *
 * - `this-process`: the process serving this dashboard runs it.
 * - `other-process`: another live process does.
 * - `none`: no process does: the run ended, or its process is gone (a log that says "running" then
 *   means the run was cut off; `conductor resume --run <id>` continues it).
 * - `unknown`: the dashboard was not told.
 */
export type RunOwner = 'this-process' | 'other-process' | 'none' | 'unknown';

/** `ownership` of `/api/info`: every field present, null when unknown; `since` is ISO 8601. */
export interface OwnershipBody {
  owner: RunOwner;
  pid: number | null;
  host: string | null;
  since: string | null;
}

/** `GET /api/info`. */
export type ColorScheme = 'system' | 'light' | 'dark';

export interface InfoBody {
  run_id: string | null;
  workflow_name: string | null;
  mode: 'live' | 'replay';
  source: 'run' | 'resume' | 'replay';
  log_path: string | null;
  replay_speed: number | null;
  /** The page's colours as the embedder set them (`colorScheme`): `system` follows the browser. */
  color_scheme: ColorScheme;
  version: string | null;
  /** What this dashboard can do now: control given, and the run owned by this process. */
  control: { stop: boolean; gate: boolean; dialog: boolean };
  ownership: OwnershipBody;
  /** Where the list of every run is, when this run is one of a run list server's (`conductor dashboard`). */
  runs_url?: string | null;
}

/** `GET /api/state`: the projection, whose size does not grow with the history. */
export interface StateBody {
  state: RunState;
  last_seq: number;
}

/** `GET /api/events?after=SEQ&limit=N` or `?before=SEQ&limit=N`: raw events, oldest first. */
export interface EventsPage {
  events: ConductorEvent[];
  /** The last seq of the run now (not of the page). */
  last_seq: number;
  /** More events lie beyond the page in the direction of paging. */
  has_more: boolean;
}

/** Events per page when `limit` is not given, and the most a page holds. */
export const DEFAULT_PAGE = 500;
export const MAX_PAGE = 5000;

/** The text (or named texts) a gate option's `prompt_for` asks for. */
export type AdditionalInput = string | Record<string, unknown> | null;

/** `POST /api/gate`: the chosen option's value, for the gate at `step` (`parent/step` in a sub-workflow). */
export interface GateAnswerBody {
  step: string;
  value: string;
  additional_input?: AdditionalInput;
}

/**
 * `POST /api/dialog`: the user's next message in the dialog of the agent step at `step` (`parent/step`
 * in a sub-workflow). "done" or "continue" ends the dialog.
 */
export interface DialogMessageBody {
  step: string;
  message: string;
}

/** The longest message `POST /api/dialog` takes, in characters. */
export const MAX_DIALOG_MESSAGE = 20_000;

/** `POST /api/stop` (202), `POST /api/gate` and `POST /api/dialog` (200). A second stop of the same generation says so. */
export interface ControlAnswer {
  ok: true;
  already_stopping?: true;
}

/** Stable codes of the dashboard's JSON errors. */
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

/** Every error of `/api/*` (and a refused `/ws` upgrade). */
export interface ErrorBody {
  error: { code: DashboardErrorCode; message: string };
}

/**
 * `/ws?after=SEQ` sends each event with `seq > SEQ` as one JSON text message, then the live ones. It
 * closes a client that fell behind with this code: reconnect with `after=<last applied seq>`.
 */
export const RESYNC_CLOSE_CODE = 4001;
