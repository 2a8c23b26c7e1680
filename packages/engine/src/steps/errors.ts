/**
 * A step failed. Its failure event (`agent_failed`, `script_failed`...) has been emitted already;
 * the run ends with `workflow_failed` carrying the same `error_type`.
 */
export class StepFailure extends Error {
  readonly code = 'CONDUCTOR_STEP_FAILED';
  /** The `error_type` of the events: `ScriptTimeout`, `OutputValidationError`, `ProviderError`... */
  readonly errorType: string;
  readonly step: string;
  /** Extra fields for `workflow_failed`. */
  readonly details: Record<string, unknown>;
  constructor(
    step: string,
    errorType: string,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'StepFailure';
    this.step = step;
    this.errorType = errorType;
    this.details = options.details ?? {};
  }
}

/** The `error_type` and message for any error a step ran into. */
export function describeError(error: unknown): { errorType: string; message: string } {
  if (error instanceof StepFailure) return { errorType: error.errorType, message: error.message };
  if (error instanceof Error) {
    const withType = error as Error & { errorType?: unknown; code?: unknown };
    if (typeof withType.errorType === 'string')
      return { errorType: withType.errorType, message: error.message };
    if (typeof withType.code === 'string' && withType.code.startsWith('CONDUCTOR_TEMPLATE')) {
      return { errorType: 'TemplateError', message: error.message };
    }
    return { errorType: error.name || 'Error', message: error.message };
  }
  return { errorType: 'Error', message: String(error) };
}
