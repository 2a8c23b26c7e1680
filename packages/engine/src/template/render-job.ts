/** What the renderer sends a render worker and what it answers: plain data, errors included. */
import { RenderBudgetError, type RenderLimits } from './budget.js';
import { TemplateError, type TemplateErrorCode, type TemplateLocation } from './errors.js';
import type { TemplateOperation } from './operations.js';

export interface RenderJob {
  operation: TemplateOperation;
  scope: Record<string, unknown>;
  where: TemplateLocation | undefined;
  limits: RenderLimits;
}

export interface WireError {
  code: string | undefined;
  message: string;
  detail?: string | undefined;
  location?: TemplateLocation | undefined;
  hint?: string | undefined;
  undefinedName?: string | undefined;
  errorType?: string | undefined;
}

export type WorkerReply = { ok: true; value: unknown } | { ok: false; error: WireError };

export function errorToWire(error: unknown): WireError {
  if (error instanceof TemplateError) {
    return {
      code: error.code,
      message: error.message,
      detail: error.detail,
      location: error.location,
      hint: error.hint,
      undefinedName: error.undefinedName,
      errorType: error instanceof RenderBudgetError ? error.errorType : undefined,
    };
  }
  return { code: undefined, message: error instanceof Error ? error.message : String(error) };
}

/** The error a worker reported, as the class the same render on the main thread would have thrown. */
export function errorFromWire(wire: WireError, where: TemplateLocation | undefined): TemplateError {
  if (wire.code === 'CONDUCTOR_TEMPLATE_BUDGET') {
    return new RenderBudgetError(wire.detail ?? wire.message, {
      location: wire.location,
      ...(wire.hint === undefined ? {} : { hint: wire.hint }),
      ...(wire.errorType === 'TimeoutError' ? { errorType: 'TimeoutError' as const } : {}),
    });
  }
  if (wire.code?.startsWith('CONDUCTOR_TEMPLATE')) {
    return new TemplateError(wire.code as TemplateErrorCode, wire.detail ?? wire.message, {
      location: wire.location,
      hint: wire.hint,
      undefinedName: wire.undefinedName,
    });
  }
  return new TemplateError('CONDUCTOR_TEMPLATE_EVAL', `cannot evaluate template: ${wire.message}`, {
    location: where,
  });
}
