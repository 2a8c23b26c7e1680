export type TemplateErrorCode =
  | 'CONDUCTOR_TEMPLATE_SYNTAX'
  | 'CONDUCTOR_TEMPLATE_UNDEFINED'
  | 'CONDUCTOR_TEMPLATE_EVAL'
  /** The render ran out of time or built too much (see budget.ts). */
  | 'CONDUCTOR_TEMPLATE_BUDGET'
  /** The run was stopped (Ctrl-C, its timeout) while the template was rendering. */
  | 'CONDUCTOR_TEMPLATE_STOPPED';

/** Where a template comes from, for error messages: `file:line:column: ... in template of step "x" (prompt)`. */
export interface TemplateLocation {
  file?: string;
  step?: string;
  field?: string;
  line?: number;
  column?: number;
}

export interface TemplateErrorDetails {
  location?: TemplateLocation | undefined;
  /** What to do about it, e.g. `did you mean 'planner'?`. */
  hint?: string | undefined;
  /** For CONDUCTOR_TEMPLATE_UNDEFINED: the undefined expression, e.g. `planer` or `review.output.scroe`. */
  undefinedName?: string | undefined;
  cause?: unknown;
}

function describeLocation(location: TemplateLocation | undefined): { prefix: string; suffix: string } {
  if (!location) return { prefix: '', suffix: '' };
  let prefix = '';
  if (location.file !== undefined) {
    prefix = location.file;
    if (location.line !== undefined) prefix += `:${location.line}`;
    if (location.line !== undefined && location.column !== undefined) prefix += `:${location.column}`;
    prefix += ': ';
  } else if (location.line !== undefined) {
    prefix = `line ${location.line}${location.column !== undefined ? `:${location.column}` : ''}: `;
  }
  let suffix = '';
  if (location.step !== undefined) {
    suffix = ` in template of step "${location.step}"${location.field !== undefined ? ` (${location.field})` : ''}`;
  } else if (location.field !== undefined) {
    suffix = ` in template ${location.field}`;
  }
  return { prefix, suffix };
}

/** A template that does not parse, reads something undefined, or fails to evaluate. */
export class TemplateError extends Error {
  override name = 'TemplateError';
  readonly code: TemplateErrorCode;
  /** The problem without location or hint, e.g. `undefined variable 'planer'`. */
  readonly detail: string;
  readonly location: TemplateLocation | undefined;
  readonly hint: string | undefined;
  readonly undefinedName: string | undefined;

  constructor(code: TemplateErrorCode, detail: string, details: TemplateErrorDetails = {}) {
    const { prefix, suffix } = describeLocation(details.location);
    const hint = details.hint ? `; ${details.hint}` : '';
    super(
      `${prefix}${detail}${suffix}${hint}`,
      details.cause === undefined ? undefined : { cause: details.cause },
    );
    this.code = code;
    this.detail = detail;
    this.location = details.location;
    this.hint = details.hint;
    this.undefinedName = details.undefinedName;
  }

  /** The same error reported at another location (used when the caller knows more about where it happened). */
  at(location: TemplateLocation): TemplateError {
    return new TemplateError(this.code, this.detail, {
      location: { ...this.location, ...location },
      hint: this.hint,
      undefinedName: this.undefinedName,
      cause: this.cause,
    });
  }
}
