/**
 * Which reasoning efforts each provider takes (§3.5 of the original), kept with the format because
 * `validate` checks them; the providers apply the same rules when a run resolves a templated effort or
 * `--provider` replaces the workflow's.
 */
import { REASONING_EFFORTS, type ReasoningEffort } from './schema-agent-keys.js';

/** The efforts OpenAI's API takes (`reasoning_effort`). */
export const OPENAI_EFFORTS: readonly ReasoningEffort[] = ['low', 'medium', 'high'];

/** Claude's thinking budget (tokens) per effort; `max` leaves the answer's 4096 under the 64000 cap. */
export const CLAUDE_THINKING_BUDGETS: Readonly<Record<ReasoningEffort, number>> = {
  low: 2048,
  medium: 8192,
  high: 16384,
  xhigh: 32768,
  max: 59904,
};

/** Tokens of answer kept above the thinking budget, and the most a request with thinking may ask for. */
export const CLAUDE_ANSWER_HEADROOM = 4096;
export const CLAUDE_THINKING_MAX_TOKENS = 64_000;

/** Model names with extended thinking, as the original recognises them (by prefix). */
export const CLAUDE_THINKING_PREFIXES = ['claude-3-7-', 'claude-opus-4', 'claude-sonnet-4', 'claude-haiku-4'];

export function isReasoningEffort(value: string): value is ReasoningEffort {
  return (REASONING_EFFORTS as readonly string[]).includes(value);
}

export function isClaudeThinkingModel(model: string): boolean {
  const lowered = model.toLowerCase();
  return CLAUDE_THINKING_PREFIXES.some((prefix) => lowered.startsWith(prefix));
}

/**
 * Why `provider` cannot use `effort` with `model` (a sentence, then what to do), or undefined when it can.
 * Providers other than openai and claude take any level (the mock ignores it; a registered one decides).
 */
export function effortProblem(
  provider: string,
  effort: ReasoningEffort,
  model: string,
): { message: string; hint: string } | undefined {
  if (provider === 'openai' && !OPENAI_EFFORTS.includes(effort)) {
    return {
      message: `the openai provider takes reasoning effort low, medium or high, not "${effort}"`,
      hint: 'Use low, medium or high with openai (xhigh and max are claude levels).',
    };
  }
  if (provider === 'claude' && !isClaudeThinkingModel(model)) {
    return {
      message: `reasoning effort "${effort}" needs a Claude model with extended thinking, and "${model}" has none`,
      hint: `Use a model named ${CLAUDE_THINKING_PREFIXES.map((p) => `${p}*`).join(', ')}, or remove the reasoning effort.`,
    };
  }
  return undefined;
}
