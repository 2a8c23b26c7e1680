// What the run list server answers (`conductor dashboard`): shared by the server and the web UI, like
// protocol.ts for one run's dashboard.

/**
 * `running`: a live process owns it. `died`: its log never ended and no live process owns it (kill -9, a
 * crash): resumable. The others are how the log ended.
 */
export type RunListStatus = 'pending' | 'running' | 'completed' | 'failed' | 'interrupted' | 'died';

/** One row of the run list: every number is derived once, from the run's log, its claim and run.json. */
export interface RunListEntry {
  run_id: string;
  workflow: string | null;
  /** Absolute path of the workflow file, when the run was started from one. */
  workflow_path: string | null;
  status: RunListStatus;
  /** Epoch seconds of the very first start. */
  started_at: number | null;
  finished_at: number | null;
  /** Seconds some process ran it (downtime between a failure and its resume left out). */
  active_seconds: number | null;
  /** Seconds from the first start to the end, or to now while it runs. */
  wall_seconds: number | null;
  resumes: number;
  /** The gate waiting, else the step running, else the step it failed or stopped at. */
  step: string | null;
  /** A gate waits for an answer at this step. */
  gate: string | null;
  /** The options of that gate. */
  gate_options: Array<{ label: string; value: string }>;
  error: string | null;
  cost_usd: number;
  /** The live process that owns it now, if any. */
  owner: { pid: number; host: string | null; since: string } | null;
  /** `conductor resume --run <id>` can continue it. */
  resumable: boolean;
  /** Why it is, or is not, resumable, in words. */
  why: string;
  /** It may be deleted (nobody owns it). */
  deletable: boolean;
  /** Its gate can be answered from here (its owner serves a dashboard this server can reach). */
  gate_answerable: boolean;
}

/** `GET /api/runs`. */
export interface RunListBody {
  runs: RunListEntry[];
  /** Epoch seconds on the server when the list was made. */
  now: number;
  /** `$CONDUCTOR_HOME`. */
  home: string | null;
  /** What the page may do: the server was given these actions. */
  actions: { resume: boolean; stop: boolean; gate: boolean; delete: boolean };
}

/** What `POST /api/runs/:id/resume|stop|gate` and `DELETE /api/runs/:id` answer. */
export interface RunActionBody {
  ok: true;
  message: string;
}
