// What an agent step's dialog (agent-dialog.ts) and validator (agent-validator.ts) share: the answer
// they review, the calls they make beside it, and a re-run of the step that never loses the answer.
import type { SpilledOutput } from '@conductor/events';
import type { ChatMessage, CompletionResult } from '../providers/types.js';
import type { AgentStep } from '../workflow/types.js';
import { failureOf } from './common.js';
import { StepFailure } from './errors.js';
import type { StepContext } from './types.js';
import type { CallUsage } from './usage.js';

/** An answer of the step: its output as stored, the model that gave it, and the prompt it answered. */
export interface AgentAnswer {
  output: unknown;
  model: string;
  /** Texts of the output stored whole in the run's outputs folder. */
  spills?: Record<string, SpilledOutput>;
  /** The user prompt the answer was given to (with feedback or a transcript on a re-run). */
  prompt: string;
}

/** One model call beside the step's answer. */
export interface SideRequest {
  /** The name the call goes by (`review (validator)`): scripted mock answers are keyed by it. */
  agent: string;
  model?: string;
  messages: ChatMessage[];
  jsonSchema?: Record<string, unknown>;
}

/** What the dialog and the validator may do with the step. */
export interface AnswerReview {
  /**
   * Makes one call without tools, under the step's timeout, counted in the step's usage (in `row` when
   * given). `onText` sees the streamed text.
   */
  ask(
    request: SideRequest,
    options?: { row?: string; onText?: (chunk: string) => void },
  ): Promise<{ answer: CompletionResult; usage: CallUsage }>;
  /** Runs the step again with `section` appended to its prompt (and to every later re-run's). */
  rerun(section: string): Promise<AgentAnswer>;
}

/**
 * Whether an error ends the step whatever the review: the run was stopped or timed out, or the step
 * reached its `timeout_seconds`. Any other error of a review is survived (the answer is kept).
 */
export function endsStep(ctx: StepContext<AgentStep>, error: unknown): boolean {
  return ctx.signal.aborted || (error instanceof StepFailure && error.errorType === 'AgentTimeout');
}

/**
 * Re-runs the step with `section`; when that fails (other than by a stop), keeps `current` and says so
 * with `agent_rerun_failed`.
 */
export async function rerunOrKeep(
  ctx: StepContext<AgentStep>,
  review: AnswerReview,
  current: AgentAnswer,
  section: string,
  cause: 'validator' | 'dialog',
): Promise<AgentAnswer> {
  try {
    return await review.rerun(section);
  } catch (error) {
    if (endsStep(ctx, error)) throw error;
    const { errorType, message } = failureOf(error, ctx);
    ctx.emit('agent_rerun_failed', {
      agent_name: ctx.step.name,
      cause,
      error_type: errorType,
      message: `${message} (the answer before the re-run is kept)`,
    });
    return current;
  }
}

/** `text` cut to `limit` characters, saying so at its end. */
export function truncated(text: string, limit: number): string {
  const marker = '\n…[truncated]';
  return text.length <= limit ? text : `${text.slice(0, Math.max(0, limit - marker.length))}${marker}`;
}

/** An answer's output as the reviewers read it: JSON, non-ASCII kept as is. */
export function outputText(output: unknown): string {
  if (typeof output === 'string') return output;
  try {
    return JSON.stringify(output, null, 2) ?? String(output);
  } catch {
    return String(output);
  }
}

/** `true`/`false`, or the strings "true"/"false" (a model may quote them); else undefined. */
export function booleanOf(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const word = value.trim().toLowerCase();
    if (word === 'true' || word === 'false') return word === 'true';
  }
  return undefined;
}
