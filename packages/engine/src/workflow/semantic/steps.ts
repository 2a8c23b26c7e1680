import { looksLikeTemplate } from '../../template/analyze.js';
import { closestName } from '../../template/suggest.js';
import { DurationError, parseDuration } from '../duration.js';
import type { YamlPath } from '../locate.js';
import { isPlainObject as isObject } from '../raw.js';
import { stepLabel } from '../schema-issues.js';
import { list, type SemanticContext } from './context.js';

const MAX_WAIT_MS = 24 * 60 * 60 * 1000;

/** `qa-bot@team#v1.2.3`, `analysis@org/repo#main`: the original's registry and GitHub references. */
const isRegistryReference = (reference: string) =>
  /^[\w.-]+@[\w./-]+(#.*)?$/.test(reference) && !/\.ya?ml$/i.test(reference);

const RESERVED_CHOICES = new Set([
  '__back__',
  '__skip__',
  '__skip_all__',
  '__abort__',
  '__finish__',
  '__free_text__',
]);

/** The original's rules for a questions step: one source of questions, distinct ids, usable questions. */
function checkQuestions(
  ctx: SemanticContext,
  raw: Record<string, unknown>,
  at: (...rest: YamlPath) => YamlPath,
  label: string,
): void {
  const hasList = raw.questions !== undefined;
  const hasSource = raw.source !== undefined;
  if (hasList === hasSource) {
    ctx.error(at(), `${label} needs exactly one of "questions" and "source"${hasList ? ', not both' : ''}`);
  }
  if (typeof raw.source === 'string' && raw.source.split('.').length < 3) {
    ctx.error(at('source'), `${label}: source must be a dotted path of at least 3 parts (step.output.field)`);
  }
  if (raw.abort_route !== undefined && raw.allow_abort !== true) {
    ctx.error(at('abort_route'), `${label}: abort_route needs allow_abort: true`);
  }
  const questions = Array.isArray(raw.questions) ? raw.questions : [];
  const ids = new Set<string>();
  questions.forEach((question: unknown, i) => {
    if (!isObject(question)) return;
    const id = typeof question.id === 'string' ? question.id : `q${i + 1}`;
    if (ids.has(id)) ctx.error(at('questions', i, 'id'), `${label}: question id "${id}" is used twice`);
    ids.add(id);
    const choices = Array.isArray(question.choices) ? question.choices : [];
    if (choices.length === 0 && question.allow_free_text === false) {
      ctx.error(at('questions', i), `${label}: question ${i + 1} needs choices or allow_free_text`);
    }
    choices.forEach((choice: unknown, c) => {
      if (typeof choice === 'string' && RESERVED_CHOICES.has(choice)) {
        ctx.error(
          at('questions', i, 'choices', c),
          `${label}: "${choice}" is reserved and cannot be a choice`,
        );
      }
    });
  });
}

/** What each step type needs beyond the schema: a prompt, one of value/values, a duration, distinct gate options, local workflow files, `input` references that exist. */
export function checkSteps(ctx: SemanticContext): void {
  const { inputs } = ctx;
  for (const step of ctx.steps) {
    if (!step.checked) continue;
    const { raw, index } = step;
    const at = (...rest: YamlPath): YamlPath => ['agents', index, ...rest];
    const label = stepLabel(ctx.data, index);
    // No warning when a misspelt prompt key is reported already.
    const misspeltPrompt = Object.keys(raw).some(
      (key) => key !== 'prompt' && closestName(key, ['prompt']) !== undefined,
    );
    if (step.type === 'agent' && (raw.prompt === undefined || raw.prompt === '') && !misspeltPrompt) {
      ctx.warning(at(), `${label} has no prompt`, { hint: 'Add "prompt:" with what the model should do.' });
    }
    if (step.type === 'set') {
      const hasValue = raw.value !== undefined;
      const hasValues = raw.values !== undefined;
      if (hasValue === hasValues) {
        ctx.error(
          at(),
          `${label} is a set step and needs exactly one of "value" and "values"${hasValue ? ', not both' : ''}`,
          {
            hint: '"value" sets <step>.output; "values" sets <step>.output.<name> for each name.',
          },
        );
      }
      if (hasValues && raw.output_type !== undefined) {
        ctx.error(at('output_type'), `${label}: "output_type" applies to "value" only, not to "values"`);
      }
    }
    if (step.type === 'questions') checkQuestions(ctx, raw, at, label);
    if (
      step.type === 'wait' &&
      (typeof raw.duration === 'number' ||
        (typeof raw.duration === 'string' && !looksLikeTemplate(raw.duration)))
    ) {
      try {
        const ms = parseDuration(raw.duration);
        if (ms <= 0) ctx.error(at('duration'), `${label}: the wait duration must be more than 0`);
        else if (ms > MAX_WAIT_MS)
          ctx.error(at('duration'), `${label}: the wait duration must be at most 24h`);
      } catch (cause) {
        if (!(cause instanceof DurationError)) throw cause;
        ctx.error(at('duration'), `${label}: ${cause.message}`);
      }
    }
    if (step.type === 'human_gate' && Array.isArray(raw.options)) {
      const values = new Map<string, number>();
      raw.options.forEach((option: unknown, i) => {
        if (!isObject(option) || typeof option.value !== 'string') return;
        const first = values.get(option.value);
        if (first !== undefined) {
          ctx.error(
            at('options', i, 'value'),
            `${label}: options ${first + 1} and ${i + 1} have the same value "${option.value}"`,
            {
              hint: 'Each option needs its own value: it is what the gate records and how an answer names the option.',
            },
          );
        } else {
          values.set(option.value, i);
        }
      });
    }
    if (step.type === 'workflow' && typeof raw.workflow === 'string' && isRegistryReference(raw.workflow)) {
      ctx.error(
        at('workflow'),
        `${label}: "${raw.workflow}" is a workflow registry reference, which this version of conductor does not support yet`,
        {
          hint: 'Give the path of a local workflow file, relative to this one (e.g. ./research.yaml).',
        },
      );
    }
    if (Array.isArray(raw.input)) {
      raw.input.forEach((reference: unknown, i) => {
        if (typeof reference !== 'string') return;
        const parts = reference.replace(/\?$/, '').split('.');
        const [head, second, third] = parts;
        if (head === 'workflow') {
          if (second !== 'input' || third === undefined) {
            ctx.error(
              at('input', i),
              `${label}: input "${reference}" must be workflow.input.<name> or <step>.output[.<field>]`,
            );
          } else if (inputs && !Object.hasOwn(inputs, third)) {
            const suggestion = closestName(third, Object.keys(inputs));
            ctx.error(
              at('input', i),
              `${label}: input "${reference}" refers to workflow input "${third}", which is not declared`,
              {
                hint: suggestion
                  ? `Did you mean "${suggestion}"?`
                  : `Declared inputs: ${list(Object.keys(inputs))}.`,
              },
            );
          }
        } else if (head !== undefined && !ctx.byName.has(head) && !ctx.byGroup.has(head)) {
          const suggestion = closestName(head, ctx.stepNames);
          ctx.error(
            at('input', i),
            `${label}: input "${reference}" refers to "${head}", which is not a step`,
            {
              hint: suggestion ? `Did you mean "${suggestion}"?` : `Steps: ${list(ctx.stepNames)}.`,
            },
          );
        } else if (second === undefined) {
          ctx.error(
            at('input', i),
            `${label}: input "${reference}" must be <step>.output[.<field>] or workflow.input.<name>`,
          );
        }
      });
    }
  }
}
