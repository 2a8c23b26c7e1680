/**
 * The rules of the original's agent keys the schema cannot say (§2.1, §3.3–§3.5): `output_mode: raw`
 * excludes `output:`; a reasoning effort is a level or a template; the provider a step names takes its
 * effort (openai: low, medium, high; claude: a model with extended thinking); and a parse retry count is
 * given once. Templated efforts and a `--provider` given at run time are checked when the step runs.
 */
import { looksLikeTemplate } from '../../template/analyze.js';
import type { YamlPath } from '../locate.js';
import { DEFAULT_MODELS } from '../provider-names.js';
import { asString, isPlainObject, type Raw } from '../raw.js';
import { effortProblem, isReasoningEffort } from '../reasoning.js';
import { REASONING_EFFORTS, type ReasoningEffort } from '../schema-agent-keys.js';
import { stepLabel } from '../schema-issues.js';
import type { SemanticContext } from './context.js';

const RUNTIME_EFFORT: YamlPath = ['workflow', 'runtime', 'default_reasoning_effort'];

export function checkAgentKeys(ctx: SemanticContext): void {
  const runtime = isPlainObject(ctx.settings.runtime) ? ctx.settings.runtime : {};
  const runtimeEffort = asString(runtime.default_reasoning_effort);
  const provider = runtime.provider;
  const runtimeProvider = isPlainObject(provider) ? asString(provider.name) : asString(provider);
  // A runtime default a provider cannot take is reported once, naming the steps that would use it.
  const runtimeProblems = new Map<string, { hint: string; steps: string[] }>();

  const check = (step: Raw, at: YamlPath, label: string) => {
    if ((step.type ?? 'agent') !== 'agent') return;
    if (step.output_mode === 'raw' && isPlainObject(step.output) && Object.keys(step.output).length > 0) {
      ctx.error(
        [...at, 'output_mode'],
        `${label} sets output_mode: raw and output:, which exclude each other`,
        {
          key: true,
          hint: 'raw stores the answer text as {result: text} without a schema. Remove output_mode to check output:, or remove output:.',
        },
      );
    }
    const retry = isPlainObject(step.retry) ? step.retry : undefined;
    if (retry?.max_parse_recovery_attempts !== undefined && step.max_parse_retries !== undefined) {
      ctx.error(
        [...at, 'retry', 'max_parse_recovery_attempts'],
        `${label} sets both max_parse_retries and retry.max_parse_recovery_attempts, which mean the same`,
        { key: true, hint: 'Keep one of them.' },
      );
    }

    const reasoning = isPlainObject(step.reasoning) ? step.reasoning : undefined;
    const own = asString(reasoning?.effort);
    if (own !== undefined && !looksLikeTemplate(own) && !isReasoningEffort(own)) {
      ctx.error(
        [...at, 'reasoning', 'effort'],
        `${label}: reasoning.effort must be ${REASONING_EFFORTS.join(', ')} or a template, not "${own}"`,
      );
      return;
    }
    const name = asString(step.provider) ?? runtimeProvider;
    const effort = own ?? (reasoning === undefined ? runtimeEffort : undefined);
    if (name === undefined || effort === undefined || looksLikeTemplate(effort) || !isReasoningEffort(effort))
      return;
    const model = asString(step.model) ?? asString(runtime.default_model) ?? DEFAULT_MODELS[name] ?? '';
    if (looksLikeTemplate(model)) return;
    const problem = effortProblem(name, effort as ReasoningEffort, model);
    if (!problem) return;
    if (own !== undefined) {
      ctx.error([...at, 'reasoning', 'effort'], `${label}: ${problem.message}`, { hint: problem.hint });
      return;
    }
    const entry = runtimeProblems.get(problem.message) ?? { hint: problem.hint, steps: [] };
    entry.steps.push(label);
    runtimeProblems.set(problem.message, entry);
  };

  for (const step of ctx.steps) {
    if (step.checked) check(step.raw, ['agents', step.index], stepLabel(ctx.data, step.index));
  }
  for (const group of ctx.groups) {
    if (group.kind === 'for_each' && group.checked && isPlainObject(group.raw.agent)) {
      check(group.raw.agent, ['for_each', group.index, 'agent'], ctx.groupLabel(group));
    }
  }
  for (const [message, { hint, steps }] of runtimeProblems) {
    ctx.error(RUNTIME_EFFORT, `runtime.default_reasoning_effort: ${message} (used by ${steps.join(', ')})`, {
      hint: `${hint} A step's own reasoning.effort replaces the default for that step.`,
    });
  }
}
