export type ResumeErrorCode =
  /** No checkpoint and no event log to continue from. */
  | 'CONDUCTOR_RESUME_NOTHING'
  /** The workflow file the run used is gone. */
  | 'CONDUCTOR_RESUME_WORKFLOW_NOT_FOUND'
  /** The run already ended with `workflow_completed`. */
  | 'CONDUCTOR_RESUME_COMPLETED'
  /** The step to continue at is not in the workflow any more. */
  | 'CONDUCTOR_RESUME_UNKNOWN_STEP'
  /** The workflow given has another `name` than the run's (and forceWorkflow was not set). */
  | 'CONDUCTOR_RESUME_OTHER_WORKFLOW'
  /** The event log is damaged where no safe reading exists (its start, with the inputs, is unreadable). */
  | 'CONDUCTOR_RESUME_LOG_DAMAGED';

/** A resume that cannot start; nothing was changed on disk. */
export class ResumeError extends Error {
  readonly code: ResumeErrorCode;
  constructor(code: ResumeErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'ResumeError';
    this.code = code;
  }
}

/** A new run was given the id of a run that already has history. */
export class RunExistsError extends Error {
  readonly code = 'CONDUCTOR_RUN_EXISTS';
  readonly runId: string;
  readonly path: string;
  constructor(runId: string, path: string, empty = false) {
    super(
      empty
        ? `run ${runId} already has an event log (${path}), still empty: another process may be starting a ` +
            'run with this id. Start this one with another run id (CONDUCTOR_RUN_ID), or delete that empty ' +
            'file if no process uses it.'
        : `run ${runId} already has an event log (${path}). Continue it with \`conductor resume --run ${runId}\` ` +
            `(resumeWorkflow({ runId: '${runId}' })), or start a new run with another run id (CONDUCTOR_RUN_ID).`,
    );
    this.name = 'RunExistsError';
    this.runId = runId;
    this.path = path;
  }
}
