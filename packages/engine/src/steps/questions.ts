/**
 * The original's `questions` step: several questions in one step, each asked as a gate (so the terminal
 * and the dashboard answer it as they answer gates), with back, skip, skip-all and abort as options.
 * `--skip-gates` fills in the defaults at once (outcome `skipped_remaining`). As in the original, progress
 * is kept after each answer (in the step's `ctx.progress()`, which checkpoints hold and a resume rebuilds
 * from `questions_answered` events), so a stopped run resumes at the first question not yet answered.
 */
import type { GateChoice } from '../gates/broker.js';
import type { Question, QuestionsStep } from '../workflow/types.js';
import { failureOf, round, templateAt } from './common.js';
import { StepFailure } from './errors.js';
import type { StepContext, StepExecutor, StepResult } from './types.js';

const BACK = '__back__';
const SKIP = '__skip__';
const SKIP_ALL = '__skip_all__';
const ABORT = '__abort__';
const FREE_TEXT = '__free_text__';
/** Values a choice may not take: they are the step's own controls. */
export const RESERVED_CHOICES = [BACK, SKIP, SKIP_ALL, ABORT, '__finish__', FREE_TEXT] as const;

type AnswerSource = 'choice' | 'free_text' | 'default' | 'skipped';

interface Asked extends Required<Pick<Question, 'text'>> {
  id: string;
  hint?: string | undefined;
  choices: string[];
  allow_free_text: boolean;
  default?: string | undefined;
  required: boolean;
  multiline: boolean;
}

export interface QuestionItem {
  id: string;
  question: string;
  answer: string | null;
  source: AnswerSource;
  skipped: boolean;
}

export interface QuestionsOutput {
  answers: Record<string, string>;
  items: QuestionItem[];
  transcript: string;
  answered_count: number;
  skipped_count: number;
  answered_any: boolean;
  outcome: 'completed' | 'skipped_remaining' | 'aborted';
}

/** Where an aborted questions step goes: its `abort_route` (default `$end`); null otherwise. */
export function questionsRoute(step: QuestionsStep, output: unknown): string | null {
  const outcome =
    typeof output === 'object' && output !== null ? (output as { outcome?: unknown }).outcome : undefined;
  return outcome === 'aborted' ? (step.abort_route ?? '$end') : null;
}

function asQuestion(raw: unknown, index: number): Question {
  if (typeof raw === 'string') return { text: raw };
  const entry = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const text = entry.text ?? entry.question;
  const question: Question = {
    text: typeof text === 'string' ? text : String(text ?? `Question ${index + 1}`),
  };
  if (typeof entry.id === 'string') question.id = entry.id;
  if (typeof entry.hint === 'string') question.hint = entry.hint;
  if (Array.isArray(entry.choices)) question.choices = entry.choices.map(String);
  if (typeof entry.allow_free_text === 'boolean') question.allow_free_text = entry.allow_free_text;
  if (entry.default !== undefined && entry.default !== null) question.default = String(entry.default);
  if (typeof entry.required === 'boolean') question.required = entry.required;
  if (typeof entry.multiline === 'boolean') question.multiline = entry.multiline;
  return question;
}

/** The questions with their texts rendered; from `source`, text that fails to render is kept as written. */
async function questionsOf(ctx: StepContext<QuestionsStep>): Promise<Asked[]> {
  const { step } = ctx;
  let raw: Question[];
  if (step.source !== undefined) {
    const list = await ctx.templates.evaluateExpression(step.source, ctx.scope, templateAt(ctx, 'source'));
    if (!Array.isArray(list)) {
      throw new StepFailure(
        step.name,
        'QuestionsSourceError',
        `questions step "${step.name}": its source "${step.source}" is not a list`,
      );
    }
    raw = list.map(asQuestion);
  } else {
    raw = step.questions ?? [];
  }
  const asked: Asked[] = [];
  const seen = new Set<string>();
  for (const [index, question] of raw.entries()) {
    let text: string;
    try {
      text = await ctx.templates.renderTemplate(
        question.text,
        ctx.scope,
        templateAt(ctx, `questions[${index}].text`),
      );
    } catch (error) {
      if (step.source === undefined) throw error;
      text = question.text;
    }
    const id = question.id ?? `q${index + 1}`;
    if (seen.has(id)) {
      throw new StepFailure(
        step.name,
        'QuestionsError',
        `questions step "${step.name}": duplicate id "${id}"`,
      );
    }
    seen.add(id);
    asked.push({
      id,
      text,
      hint: question.hint,
      choices: question.choices ?? [],
      allow_free_text: question.allow_free_text ?? true,
      default: question.default,
      required: question.required ?? false,
      multiline: question.multiline ?? true,
    });
  }
  return asked;
}

function optionsFor(step: QuestionsStep, question: Asked, index: number): GateChoice[] {
  const options: GateChoice[] = question.choices.map((choice) => ({
    label: choice,
    value: choice,
    route: null,
  }));
  if (question.allow_free_text) {
    options.push({
      label: question.choices.length > 0 ? 'Another answer' : 'Answer',
      value: FREE_TEXT,
      route: null,
      prompt_for: 'answer',
      multiline: question.multiline,
    });
  }
  if (step.allow_skip ?? true) options.push({ label: 'Skip', value: SKIP, route: null });
  if (step.allow_skip_all ?? true) options.push({ label: 'Skip the rest', value: SKIP_ALL, route: null });
  if ((step.allow_back ?? true) && index > 0) options.push({ label: 'Back', value: BACK, route: null });
  if (step.allow_abort ?? false) options.push({ label: 'Abort', value: ABORT, route: null });
  return options;
}

/** The answer a question gets when it is skipped: its default, else none. */
const skippedItem = (question: Asked): QuestionItem =>
  question.default !== undefined
    ? { id: question.id, question: question.text, answer: question.default, source: 'default', skipped: true }
    : { id: question.id, question: question.text, answer: null, source: 'skipped', skipped: true };

/** An answer kept in the step's progress (by question id) for a resume. */
interface SavedAnswer {
  answer: string | null;
  source: AnswerSource;
}

const SOURCES: readonly string[] = ['choice', 'free_text', 'default', 'skipped'];

function savedAnswer(value: unknown): SavedAnswer | null {
  if (typeof value !== 'object' || value === null) return null;
  const { answer, source } = value as Record<string, unknown>;
  if (typeof source !== 'string' || !SOURCES.includes(source)) return null;
  if (answer !== null && typeof answer !== 'string') return null;
  return { answer, source: source as AnswerSource };
}

/** The answers an earlier attempt of this step kept, for the questions asked now (matched by id). */
function restored(questions: Asked[], completed: Record<string, unknown>): Map<string, QuestionItem> {
  const items = new Map<string, QuestionItem>();
  for (const question of questions) {
    const saved = Object.hasOwn(completed, question.id) ? savedAnswer(completed[question.id]) : null;
    if (!saved) continue;
    items.set(question.id, {
      id: question.id,
      question: question.text,
      answer: saved.answer,
      source: saved.source,
      skipped: saved.source === 'default' || saved.source === 'skipped',
    });
  }
  return items;
}

function outputOf(questions: Asked[], items: Map<string, QuestionItem>, outcome: QuestionsOutput['outcome']) {
  const list = questions.flatMap((question) => {
    const item = items.get(question.id);
    return item ? [item] : [];
  });
  const answers: Record<string, string> = {};
  for (const item of list) if (item.answer !== null) answers[item.id] = item.answer;
  const answered = list.filter((item) => item.source === 'choice' || item.source === 'free_text').length;
  const output: QuestionsOutput = {
    answers,
    items: list,
    transcript: list
      .map((item, index) => `Q${index + 1}. ${item.question}\nA: ${item.answer ?? '(skipped)'}`)
      .join('\n\n'),
    answered_count: answered,
    skipped_count: list.filter((item) => item.skipped).length,
    answered_any: answered > 0,
    outcome,
  };
  return output;
}

export const executeQuestions: StepExecutor<QuestionsStep> = async (
  ctx: StepContext<QuestionsStep>,
): Promise<StepResult> => {
  const { step } = ctx;
  const agent_name = step.name;
  const started = ctx.clock();
  let questions: Asked[];
  let intro = '';
  try {
    questions = await questionsOf(ctx);
    if (step.prompt)
      intro = await ctx.templates.renderTemplate(step.prompt, ctx.scope, templateAt(ctx, 'prompt'));
  } catch (error) {
    if (error instanceof StepFailure) throw error;
    const { errorType, message } = failureOf(error, ctx);
    throw new StepFailure(step.name, errorType, `questions step "${step.name}": ${message}`, {
      cause: error,
    });
  }
  const progress = ctx.progress();
  const items = restored(questions, progress.completed);
  ctx.emit('questions_presented', {
    agent_name,
    iteration: ctx.iteration,
    question_ids: questions.map((question) => question.id),
    prompt: intro,
    ...(items.size > 0 ? { resumed_answers: [...items.keys()] } : {}),
  });
  let outcome: QuestionsOutput['outcome'] = 'completed';
  const reject = (question: Asked, reason: string) =>
    ctx.emit('questions_answer_rejected', { agent_name, question_id: question.id, reason });

  // A resume goes on at the first question an earlier attempt did not answer.
  let index = Math.max(
    0,
    questions.findIndex((question) => !items.has(question.id)),
  );
  if (items.size === questions.length) index = questions.length;
  let first = true;
  while (index < questions.length) {
    const question = questions[index] as Asked;
    const options = optionsFor(step, question, index);
    const prompt = [
      intro,
      `**Question ${index + 1} of ${questions.length}:** ${question.text}`,
      question.hint ? `_${question.hint}_` : '',
      question.default !== undefined ? `Default: ${question.default}` : '',
    ]
      .filter((part) => part !== '')
      .join('\n\n');
    const answered = await ctx
      .askGate({ step: step.name, prompt, options }, () =>
        ctx.emit('gate_presented', {
          agent_name,
          prompt,
          options,
          iteration: ctx.iteration,
          question_id: question.id,
          question_index: index,
        }),
      )
      .catch((error: unknown) => {
        const { errorType, message } = failureOf(error, ctx);
        throw new StepFailure(step.name, errorType, `questions step "${step.name}": ${message}`, {
          cause: error,
        });
      });
    const value = answered.option.value;
    if (first && answered.source === 'skip') {
      // --skip-gates: every question not answered yet gets its default.
      for (const rest of questions) if (!items.has(rest.id)) items.set(rest.id, skippedItem(rest));
      outcome = 'skipped_remaining';
      break;
    }
    first = false;
    if (value === BACK) {
      index = Math.max(0, index - 1);
      continue;
    }
    if (value === ABORT) {
      outcome = 'aborted';
      break;
    }
    if (value === SKIP_ALL) {
      const blocking = questions.slice(index).find((rest) => rest.required && rest.default === undefined);
      if (blocking) {
        reject(question, `question "${blocking.id}" is required and has no default`);
        continue;
      }
      for (const rest of questions.slice(index)) items.set(rest.id, skippedItem(rest));
      outcome = 'skipped_remaining';
      break;
    }
    let item: QuestionItem;
    if (value === SKIP) {
      if (question.required && question.default === undefined) {
        reject(question, 'a required question without a default cannot be skipped');
        continue;
      }
      item = skippedItem(question);
    } else if (value === FREE_TEXT) {
      const text = (answered.additional_input.answer ?? '').trim();
      if (text === '' && question.required) {
        reject(question, 'a required question needs an answer');
        continue;
      }
      item =
        text === ''
          ? skippedItem(question)
          : { id: question.id, question: question.text, answer: text, source: 'free_text', skipped: false };
    } else {
      item = { id: question.id, question: question.text, answer: value, source: 'choice', skipped: false };
    }
    items.set(question.id, item);
    progress.completed[question.id] = { answer: item.answer, source: item.source } satisfies SavedAnswer;
    ctx.emit('questions_answered', {
      agent_name,
      question_id: question.id,
      answer: item.answer,
      source: item.source,
    });
    index++;
  }

  const output = outputOf(questions, items, outcome);
  ctx.emit('questions_completed', { agent_name, outcome, answered_count: output.answered_count });
  // Closes the step as a gate for the projection and the dashboard (their view of a waiting question).
  ctx.emit('gate_resolved', {
    agent_name,
    selected_option: outcome,
    route: outcome === 'aborted' ? (step.abort_route ?? '$end') : null,
    additional_input: {},
    elapsed: round(ctx.clock() - started),
    output,
  });
  return { output };
};
