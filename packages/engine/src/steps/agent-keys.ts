// The original's agent keys as an agent step's requests carry them (§2.2, §3.4, §3.5): the model and the
// reasoning effort rendered when they are templates (the effort checked), the step's `retry` as the policy
// its provider follows, and the number of correction turns after an answer that does not match `output:`.

import { retryPolicyOf } from '../providers/config.js';
import type { CompletionRequest } from '../providers/types.js';
import { looksLikeTemplate } from '../template/analyze.js';
import { isReasoningEffort } from '../workflow/reasoning.js';
import { REASONING_EFFORTS } from '../workflow/schema-agent-keys.js';
import type { AgentStep } from '../workflow/types.js';
import { templateAt } from './common.js';
import { StepFailure } from './errors.js';
import type { StepContext, TemplateScope } from './types.js';

/** Extra attempts after an answer that does not parse or match `output:` (the original's default for most providers). */
export const DEFAULT_MAX_PARSE_RETRIES = 2;

export interface AgentKeys {
  /** The step's model, else `runtime.default_model`, rendered; undefined for the provider's default. */
  model?: string;
  /** Fields every request of the step carries: reasoning effort, retry policy, the thinking stream. */
  request: Pick<CompletionRequest, 'reasoningEffort' | 'retry' | 'onReasoning'>;
  /** Correction turns after an answer that does not parse or match `output:`. */
  maxParseRetries: number;
}

export async function agentKeysOf(ctx: StepContext<AgentStep>, scope: TemplateScope): Promise<AgentKeys> {
  const { step } = ctx;
  const runtime = ctx.workflow.definition.workflow.runtime ?? {};
  const render = async (source: string, field: string) =>
    (await ctx.templates.renderTemplate(source, scope, templateAt(ctx, field))).trim();

  const modelSource = step.model ?? runtime.default_model;
  const modelField = step.model === undefined ? 'runtime.default_model' : 'model';
  const model =
    modelSource !== undefined && looksLikeTemplate(modelSource)
      ? await render(modelSource, modelField)
      : modelSource;

  let effort = step.reasoning?.effort ?? runtime.default_reasoning_effort;
  if (step.reasoning && looksLikeTemplate(step.reasoning.effort)) {
    effort = await render(step.reasoning.effort, 'reasoning.effort');
  }
  if (effort !== undefined && !isReasoningEffort(effort)) {
    throw new StepFailure(
      step.name,
      'ValidationError',
      effort === ''
        ? `agent "${step.name}": its reasoning.effort template rendered to nothing. Emit one of ` +
            `${REASONING_EFFORTS.join(', ')} (add an else branch), or remove reasoning to use runtime.default_reasoning_effort.`
        : `agent "${step.name}": its reasoning.effort is "${effort}", which is not one of ${REASONING_EFFORTS.join(', ')}. ` +
            'Fix the value (or the template that renders it).',
    );
  }

  const request: AgentKeys['request'] = {
    onReasoning: (content) => ctx.emit('agent_reasoning', { agent_name: step.name, content }),
  };
  if (effort !== undefined) request.reasoningEffort = effort;
  if (step.retry) request.retry = retryPolicyOf(step.retry);
  return {
    ...(model === undefined || model === '' ? {} : { model }),
    request,
    maxParseRetries: Math.max(
      0,
      step.max_parse_retries ?? step.retry?.max_parse_recovery_attempts ?? DEFAULT_MAX_PARSE_RETRIES,
    ),
  };
}
