/**
 * The original's agent keys `retry` (§3.4), `reasoning` (§3.5) and `output_mode` (§3.3), with their
 * defaults, and `runtime.default_reasoning_effort`. Which provider takes which effort, and that `raw`
 * excludes `output:`, are checked by the semantic rules (`semantic/agent-keys.ts`).
 */
import * as v from 'valibot';

/** Reasoning effort levels of the original, lowest first. */
export const REASONING_EFFORTS = ['low', 'medium', 'high', 'xhigh', 'max'] as const;
export type ReasoningEffort = (typeof REASONING_EFFORTS)[number];

/** What `retry.retry_on` may list: a failed request (HTTP 429, 5xx, a dropped connection) or a timeout. */
export const RETRY_CATEGORIES = ['provider_error', 'timeout'] as const;
export type RetryCategory = (typeof RETRY_CATEGORIES)[number];

/** An agent step's `retry` with every default filled in, as the original's RetryPolicy. */
export const RETRY_DEFAULTS = {
  max_attempts: 1,
  backoff: 'exponential',
  delay_seconds: 2,
  retry_on: RETRY_CATEGORIES,
} as const;

const wholeBetween = (what: string, min: number, max: number) =>
  v.pipe(
    v.number(),
    v.integer(`${what} must be a whole number`),
    v.minValue(min, `${what} must be between ${min} and ${max}`),
    v.maxValue(max, `${what} must be between ${min} and ${max}`),
  );

export const RetrySchema = v.strictObject({
  max_attempts: v.optional(
    v.pipe(
      wholeBetween('retry.max_attempts', 1, 10),
      v.description('Attempts of each model request, the first included (1 to 10, default 1: no retry).'),
    ),
  ),
  backoff: v.optional(
    v.pipe(
      v.picklist(['fixed', 'exponential']),
      v.description(
        'exponential (default): delay_seconds, doubled after each retry; fixed: always delay_seconds.',
      ),
    ),
  ),
  delay_seconds: v.optional(
    v.pipe(
      v.number(),
      v.minValue(0, 'retry.delay_seconds must be between 0 and 300'),
      v.maxValue(300, 'retry.delay_seconds must be between 0 and 300'),
      v.description(
        "Seconds before the first retry (0 to 300, default 2); waits are capped at max(30, delay_seconds), plus up to 25% jitter. A server's Retry-After wins.",
      ),
    ),
  ),
  retry_on: v.optional(
    v.pipe(
      v.array(v.picklist(RETRY_CATEGORIES)),
      v.description(
        'What is retried: provider_error (HTTP 429, 5xx, a dropped connection), timeout (a request that timed out, HTTP 408). Default both.',
      ),
    ),
  ),
  max_parse_recovery_attempts: v.optional(
    v.pipe(
      wholeBetween('retry.max_parse_recovery_attempts', 0, 10),
      v.description(
        'Correction turns after an answer that does not parse or match output (0 to 10; default 2), like max_parse_retries.',
      ),
    ),
  ),
});

export const ReasoningSchema = v.strictObject({
  effort: v.pipe(
    v.string(),
    v.description(
      'low, medium, high, xhigh or max, or a template rendering to one of them. openai takes low, medium and high; claude turns it into a thinking budget.',
    ),
  ),
});

/** The entries these keys add to an agent step's schema. */
export const agentKeyEntries = {
  retry: v.optional(
    v.pipe(
      RetrySchema,
      v.description(
        'How a failed model request is retried. Without it: 3 retries of HTTP 408, 429, 5xx, dropped connections and timeouts, from 1 s.',
      ),
    ),
  ),
  reasoning: v.optional(
    v.pipe(
      ReasoningSchema,
      v.description('How hard the model thinks. Default: runtime.default_reasoning_effort.'),
    ),
  ),
  output_mode: v.optional(
    v.pipe(
      v.picklist(['raw', 'envelope']),
      v.description(
        'envelope (default): with output, the answer is parsed and checked. raw: the answer text is stored as {result: text}; not with output.',
      ),
    ),
  ),
};

export const defaultReasoningEffort = v.pipe(
  v.picklist(REASONING_EFFORTS),
  v.description("Agent steps' reasoning effort when they set no reasoning: low, medium, high, xhigh or max."),
);
