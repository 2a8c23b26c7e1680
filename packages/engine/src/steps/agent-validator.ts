// An agent step's `validator:` (§3.9 of the original): a second call, `<step> (validator)`, grades the
// answer against the author's criteria. It fails open: an error, or an answer without a usable `passed`,
// counts as a pass, so a flaky grader never fails a run. On a fail with `max_retries: 1`, the step runs
// once more with the issues as feedback, and that answer is final.
import type { AgentStep, WorkflowSettings } from '../workflow/types.js';
import {
  type AgentAnswer,
  type AnswerReview,
  booleanOf,
  endsStep,
  outputText,
  rerunOrKeep,
  truncated,
} from './agent-review.js';
import { failureOf, round } from './common.js';
import { parseJsonAnswer } from './output-schema.js';
import type { StepContext } from './types.js';

/** Characters of the agent's prompt and answer the validator is shown (the original's). */
export const VALIDATOR_PROMPT_CHARS = 6000;
export const VALIDATOR_OUTPUT_CHARS = 8000;

const VERDICT_SCHEMA = {
  type: 'object',
  properties: {
    passed: { type: 'boolean' },
    issues: { type: 'array', items: { type: 'string' } },
  },
  required: ['passed', 'issues'],
  additionalProperties: false,
};

/** The validator's system prompt: the author's criteria, and the verdict it must give. */
export function validatorSystemPrompt(criteria: string): string {
  return [
    "You are an output validator: decide whether an agent's answer meets the acceptance criteria below.",
    'Judge by the criteria alone: add no requirement of your own, and pass no answer that misses one of them.',
    '',
    '<criteria>',
    criteria.trim(),
    '</criteria>',
    '',
    'Reply with only a JSON object, no other text: {"passed": true or false, "issues": ["...", ...]}.',
    '"passed" is true only when the answer meets every criterion. "issues" lists concrete problems, each',
    'saying what to change; it is empty when "passed" is true.',
  ].join('\n');
}

/** The validator's message: the agent's task and answer, each within its limit. */
export function validatorMessage(agent: string, prompt: string, output: unknown): string {
  return [
    `Agent: ${agent}`,
    '',
    'The task the agent was given:',
    '<task>',
    truncated(prompt, VALIDATOR_PROMPT_CHARS),
    '</task>',
    '',
    'The answer to check:',
    '<answer>',
    truncated(outputText(output), VALIDATOR_OUTPUT_CHARS),
    '</answer>',
  ].join('\n');
}

/** The `## Validation feedback` section a re-run's prompt gets. */
export function validationFeedback(issues: readonly string[]): string {
  const listed = issues.length > 0 ? issues : ['The answer did not meet the criteria.'];
  return [
    '## Validation feedback',
    '',
    'A reviewer checked your previous answer and found these problems. Answer the task again, fixing them:',
    '',
    ...listed.map((issue) => `- ${issue}`),
  ].join('\n');
}

interface Verdict {
  passed: boolean;
  issues: string[];
  /** Why it failed open, when it did. */
  error?: string;
}

/** Reads the validator's answer; anything without a clear `passed` is a pass (fail open). */
export function verdictOf(text: string): Verdict {
  let value: unknown;
  try {
    value = parseJsonAnswer(text);
  } catch (error) {
    return { passed: true, issues: [], error: (error as Error).message };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { passed: true, issues: [], error: 'the answer is not a JSON object' };
  const record = value as Record<string, unknown>;
  const passed = booleanOf(record.passed);
  if (passed === undefined) {
    return {
      passed: true,
      issues: [],
      error: `"passed" is ${JSON.stringify(record.passed) ?? 'missing'}, not true or false`,
    };
  }
  if (passed) return { passed, issues: [] };
  const raw = record.issues;
  const issues =
    raw === undefined || raw === null
      ? []
      : Array.isArray(raw)
        ? raw.map((issue) => (typeof issue === 'string' ? issue : JSON.stringify(issue)))
        : [typeof raw === 'string' ? raw : JSON.stringify(raw)];
  return { passed, issues };
}

/**
 * Grades `current` (`agent_validator_start`, `agent_validator_complete`), and on a fail re-runs the step
 * once with the feedback (`agent_validation_failed`). Returns the final answer.
 */
export async function validateAnswer(
  ctx: StepContext<AgentStep>,
  review: AnswerReview,
  current: AgentAnswer,
  settings: WorkflowSettings,
): Promise<AgentAnswer> {
  const { step } = ctx;
  const validator = step.validator;
  if (!validator) return current;
  const agent_name = step.name;
  const row = `${agent_name} (validator)`;
  const model = validator.model ?? step.model ?? settings.runtime?.default_model;
  const started = ctx.clock();
  ctx.emit('agent_validator_start', { agent_name, model: model ?? null });

  let verdict: Verdict;
  let usage: Record<string, unknown> = {};
  try {
    const { answer, usage: call } = await review.ask(
      {
        agent: row,
        ...(model === undefined ? {} : { model }),
        messages: [
          { role: 'system', content: validatorSystemPrompt(validator.criteria) },
          { role: 'user', content: validatorMessage(agent_name, current.prompt, current.output) },
        ],
        jsonSchema: VERDICT_SCHEMA,
      },
      { row },
    );
    usage = {
      model: call.model,
      input_tokens: call.input_tokens,
      output_tokens: call.output_tokens,
      cost_usd: call.cost_usd,
    };
    verdict = verdictOf(answer.text);
  } catch (error) {
    if (endsStep(ctx, error)) throw error;
    const { errorType, message } = failureOf(error, ctx);
    verdict = { passed: true, issues: [], error: `${errorType}: ${message}` };
  }
  ctx.emit('agent_validator_complete', {
    agent_name,
    passed: verdict.passed,
    issues: verdict.issues,
    ...(verdict.error === undefined ? {} : { errored: true, error: verdict.error }),
    elapsed: round(ctx.clock() - started),
    row,
    ...usage,
  });
  if (verdict.passed) return current;

  const willRetry = (validator.max_retries ?? 1) > 0;
  ctx.emit('agent_validation_failed', { agent_name, issues: verdict.issues, will_retry: willRetry });
  if (!willRetry) return current;
  return rerunOrKeep(ctx, review, current, validationFeedback(verdict.issues), 'validator');
}
