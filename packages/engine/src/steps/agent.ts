import { type SpilledOutput, spillFields } from '@conductor/events';
import { spillOf } from '../outputs/store.js';
import type { ChatMessage, ProviderRetry } from '../providers/types.js';
import type { AgentStep, WorkflowSettings } from '../workflow/types.js';
import { holdDialog } from './agent-dialog.js';
import { agentKeysOf } from './agent-keys.js';
import type { AgentAnswer, AnswerReview } from './agent-review.js';
import { type AgentToolLoop, openAgentToolLoop } from './agent-tools.js';
import { validateAnswer } from './agent-validator.js';
import { failureOf, round, templateAt } from './common.js';
import { StepFailure } from './errors.js';
import { outputJsonSchema, outputMismatch, parseJsonAnswer } from './output-schema.js';
import type { StepContext, StepExecutor, StepResult } from './types.js';
import { StepUsage } from './usage.js';

/**
 * Renders the prompt, asks the provider (streaming `agent_message`), and for steps with `output:`
 * parses and validates the JSON answer, sending a correction turn on mismatch. Then, as the original
 * orders them, its dialog with the user (agent-dialog.ts) and its validator (agent-validator.ts).
 */
export const executeAgent: StepExecutor<AgentStep> = async (
  ctx: StepContext<AgentStep>,
): Promise<StepResult> => {
  const { step } = ctx;
  const agent_name = step.name;
  const started = ctx.clock();
  const elapsed = () => round(ctx.clock() - started);
  // Every call of the step is counted, a failed step's too (its tokens were spent).
  const usage = new StepUsage(ctx.workflow.definition.workflow.cost?.pricing);
  ctx.emit('agent_started', { agent_name, iteration: ctx.iteration, agent_type: 'agent' });
  let tools: AgentToolLoop | undefined;
  try {
    const settings = ctx.workflow.definition.workflow;
    const runtime = settings.runtime ?? {};
    const scope = ctx.promptScope();
    // The model and reasoning effort (rendered when templates), `retry`, and the parse retry count.
    const keys = await agentKeysOf(ctx, scope);
    // Awaited only when a render went to a worker, so a group's agents report their prompts in the
    // order they started, as when rendering was synchronous.
    const render = (template: string, field: string) =>
      ctx.templates.renderTemplate(template, scope, templateAt(ctx, field));
    let system = step.system_prompt === undefined ? undefined : render(step.system_prompt, 'system_prompt');
    if (system instanceof Promise) system = await system;
    let body = render(step.prompt, 'prompt');
    if (body instanceof Promise) body = await body;
    const instructions = instructionsOf(settings);
    const prompt = `${instructions ? `${instructions}\n\n${body}` : body}${guidanceSection(ctx.workflow.guidance)}`;
    ctx.emit('agent_prompt_rendered', {
      agent_name,
      rendered_prompt: prompt,
      ...(system === undefined ? {} : { system_prompt: system }),
    });

    const provider = ctx.providerFor(step);
    const { model } = keys;
    const jsonSchema = step.output ? outputJsonSchema(step.output) : undefined;
    const temperature = step.temperature ?? runtime.temperature;
    const maxTokens = step.max_tokens ?? runtime.max_tokens;
    const maxAttempts = step.output ? 1 + keys.maxParseRetries : 1;
    // Tool calls the model asks for are run by the engine, within the step's limits (agent-tools.ts);
    // every model call of the step, tool rounds and corrections included, counts in its usage.
    tools = await openAgentToolLoop(ctx, (answer) => usage.add(answer));
    const loop = tools;
    /** Every model call of the step reports a provider retry the same way. */
    const onRetry = (retry: ProviderRetry) =>
      ctx.emit('agent_retry', {
        agent_name,
        attempt: retry.attempt,
        max_attempts: retry.maxAttempts,
        error: retry.error,
        delay: retry.delay,
        reason: 'provider',
      });

    /** The step's answer to `text` (the prompt; with feedback or a conversation on a re-run). */
    const answerTo = async (text: string): Promise<AgentAnswer> => {
      const messages: ChatMessage[] = [];
      if (system) messages.push({ role: 'system', content: system });
      messages.push({
        role: 'user',
        content: jsonSchema ? `${text}\n\n${schemaInstruction(jsonSchema)}` : text,
      });
      const done = (
        output: unknown,
        answeredBy: string,
        spills?: Record<string, SpilledOutput>,
      ): AgentAnswer => ({ output, model: answeredBy, prompt: text, ...(spills ? { spills } : {}) });
      for (let attempt = 1; ; attempt++) {
        const answer = await loop.complete(
          provider,
          {
            agent: step.name,
            ...(model === undefined ? {} : { model }),
            ...(jsonSchema ? { jsonSchema } : {}),
            ...(temperature === undefined ? {} : { temperature }),
            ...(maxTokens === undefined ? {} : { maxTokens }),
            ...keys.request,
            onRetry,
          },
          messages,
          (content) => ctx.emit('agent_message', { agent_name, content }),
        );
        if (!step.output) {
          // A text answer over the cap is kept as its head; the whole goes to the run's outputs folder.
          const capped = await ctx.outputs.cap(answer.text, {
            step: step.name,
            path: ctx.subworkflow.path,
            field: 'result',
          });
          const spill = spillOf(capped);
          if (!spill) return done({ result: answer.text }, answer.model);
          return done(
            { result: typeof capped === 'string' ? capped : capped.head, ...spillFields('result', spill) },
            answer.model,
            { result: spill },
          );
        }

        let problem: string;
        try {
          const value = parseJsonAnswer(answer.text);
          const mismatch = outputMismatch(value, step.output);
          if (mismatch === null) return done(value, answer.model);
          problem = mismatch;
        } catch (error) {
          problem = (error as Error).message;
        }
        if (attempt >= maxAttempts) {
          throw new StepFailure(
            step.name,
            'OutputValidationError',
            `agent "${step.name}" gave no answer matching its output schema after ${maxAttempts} attempt${maxAttempts === 1 ? '' : 's'}: ${problem}. ` +
              'Check the prompt asks for these fields, or raise max_parse_retries.',
          );
        }
        ctx.emit('agent_retry', {
          agent_name,
          attempt: attempt + 1,
          max_attempts: maxAttempts,
          error: problem,
          delay: 0,
          reason: 'output_validation',
        });
        messages.push(
          { role: 'assistant', content: answer.text },
          {
            role: 'user',
            content:
              `Your answer was rejected: ${problem}. Reply again with only a JSON object matching this JSON Schema, ` +
              `no other text:\n${JSON.stringify(jsonSchema)}`,
          },
        );
      }
    };

    let appended = '';
    const review: AnswerReview = {
      async ask(request, options = {}) {
        const answer = await loop.ask(
          provider,
          {
            ...request,
            ...(temperature === undefined ? {} : { temperature }),
            onRetry,
          },
          options.onText ?? (() => {}),
        );
        return { answer, usage: usage.add(answer, options.row) };
      },
      rerun(section) {
        appended += `\n\n${section}`;
        const text = `${prompt}${appended}`;
        ctx.emit('agent_prompt_rendered', { agent_name, rendered_prompt: text, rerun: true });
        return answerTo(text);
      },
    };
    let final = await answerTo(prompt);
    // The original's order: dialog, then the validator (which may re-run the answer the dialog gave).
    final = await holdDialog(ctx, review, final, settings);
    final = await validateAnswer(ctx, review, final, settings);
    return complete(final.output, final.model, final.spills);

    function complete(
      output: unknown,
      answeredBy: string,
      spills?: Record<string, SpilledOutput>,
    ): StepResult {
      tools?.dispose();
      ctx.emit('agent_completed', {
        agent_name,
        elapsed: elapsed(),
        model: answeredBy,
        ...usage.fields(),
        output,
        ...(spills ? { spills } : {}),
      });
      return { output };
    }
  } catch (error) {
    tools?.dispose();
    const { errorType, message } = failureOf(error, ctx);
    ctx.emit('agent_failed', {
      agent_name,
      elapsed: elapsed(),
      error_type: errorType,
      message,
      ...(usage.calls.length > 0 ? { model: usage.calls.at(-1)?.model, ...usage.fields() } : {}),
    });
    throw error instanceof StepFailure
      ? error
      : new StepFailure(step.name, errorType, message, { cause: error });
  }
};

/**
 * The sentence the original's `<workspace_instructions>` block opens with (§3.1 gives its sense, not its
 * words): the texts below it are the workspace's conventions.
 */
const INSTRUCTIONS_INTRO =
  'Follow these instructions for this workspace: its conventions and rules apply to your work.';

/**
 * The original's preamble: every instruction text (workspace files, the YAML `instructions`, `--instructions`
 * files; a sub-workflow's parent's first) in one `<workspace_instructions>` block, joined with `---` lines.
 */
function instructionsOf(settings: WorkflowSettings): string {
  const { instructions } = settings;
  if (instructions === undefined) return '';
  const texts = (Array.isArray(instructions) ? instructions : [instructions]).filter(
    (text) => text.trim() !== '',
  );
  if (texts.length === 0) return '';
  return `<workspace_instructions>\n${INSTRUCTIONS_INTRO}\n\n${texts.join('\n\n---\n\n')}\n</workspace_instructions>`;
}

/** The original conductor's `[User Guidance]` section, after the prompt ('' without guidance). */
function guidanceSection(guidance: readonly string[] | undefined): string {
  if (!guidance || guidance.length === 0) return '';
  const lines = guidance.map((text) => `- ${text}`).join('\n');
  return `\n\n[User Guidance]\nThe user gave this guidance for the rest of the run; follow it:\n${lines}`;
}

function schemaInstruction(schema: Record<string, unknown>): string {
  return `Respond with only a JSON object matching this JSON Schema, no other text:\n${JSON.stringify(schema)}`;
}
