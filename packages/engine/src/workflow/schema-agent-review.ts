/** The valibot schemas of an agent step's `validator:` and `dialog:` (the original's §3.9 and §3.10). */
import * as v from 'valibot';

/** Text with something besides whitespace in it (the original rejects blank criteria). */
const text = (what: string) =>
  v.pipe(v.string(`${what} must be text`), v.regex(/\S/, `${what} must not be empty`));

export const ValidatorSchema = v.strictObject({
  criteria: v.pipe(
    text('validator criteria'),
    v.description(
      "What a good answer looks like: a second model call checks the step's answer against it, and on a fail the step runs once more with the issues as feedback.",
    ),
  ),
  model: v.optional(
    v.pipe(
      text('validator model'),
      v.description("The validator's model (often a cheaper one). Default: the step's model."),
    ),
  ),
  max_retries: v.optional(
    v.pipe(
      v.number(),
      v.integer('validator max_retries must be 0 or 1'),
      v.minValue(0, 'validator max_retries must be 0 or 1'),
      v.maxValue(1, 'validator max_retries must be 0 or 1'),
      v.description('1 (default): one re-run with the feedback after a fail; 0: report the fail only.'),
    ),
  ),
});

export const DialogSchema = v.strictObject({
  trigger_prompt: v.pipe(
    text('dialog trigger_prompt'),
    v.description(
      "When the agent should talk with the user: an evaluator reads the step's answer against it and opens the dialog (in the terminal or the dashboard); then the step runs again with the conversation.",
    ),
  ),
  conversation_prompt: v.optional(
    v.pipe(
      v.string(),
      v.description(
        'Instructions for the agent while it talks with the user (the evaluator never sees them).',
      ),
    ),
  ),
});
