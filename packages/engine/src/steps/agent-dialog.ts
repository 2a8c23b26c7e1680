// An agent step's `dialog:` (§3.10 of the original). An evaluator, `<step> (dialog evaluator)`, reads the
// answer against the author's `trigger_prompt`; when it triggers, the agent, `<step> (dialog)`, talks
// with the user (the terminal or the dashboard, through ctx.dialog) until the user says "done" or the
// agent says it is ready; then the step runs again with the conversation appended to its prompt. Any
// error but a stop keeps the answer it had. The main loop only: a group's member or item has no dialog.
import { randomUUID } from 'node:crypto';
import type { DialogMessage } from '../gates/dialog-broker.js';
import type { ChatMessage } from '../providers/types.js';
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
import { failureOf } from './common.js';
import { parseJsonAnswer } from './output-schema.js';
import type { StepContext } from './types.js';

/** Characters of the answer the evaluator reads (the original's), and the agent keeps in mind while talking. */
export const EVALUATOR_OUTPUT_CHARS = 4000;
const DIALOG_OUTPUT_CHARS = 8000;

/** What the agent ends a reply with when it has what it needs (at the very end only). */
export const READY_MARKER = '[READY_TO_CONTINUE]';

/** What the user may write to end the dialog (the original's words). */
const DISMISS_WORDS = new Set([
  'done',
  'continue',
  'go ahead',
  'proceed',
  "that's all",
  'thats all',
  'resume',
  'exit',
  '/done',
  '/continue',
]);

/** Whether a message of the user ends the dialog: one of the dismiss words, alone. */
export function isDismissal(text: string): boolean {
  return DISMISS_WORDS.has(
    text
      .trim()
      .toLowerCase()
      .replace(/[.!]+$/, ''),
  );
}

export function evaluatorSystemPrompt(trigger: string): string {
  return [
    'You decide whether an agent of a workflow should stop and talk with the user before the workflow goes on.',
    "The workflow's author wants that conversation when:",
    '',
    '<criteria>',
    trigger.trim(),
    '</criteria>',
    '',
    "Read the agent's answer. When it meets the criteria, write the question the agent should open the",
    'conversation with, giving the user the context they need to answer (files, figures, the reasoning).',
    '',
    'Reply with only a JSON object, no other text:',
    '{"trigger": true or false, "reason": "why, briefly", "question": "the opening question, when trigger is true"}',
  ].join('\n');
}

export function dialogSystemPrompt(
  agent: string,
  question: string,
  output: unknown,
  conversation: string | undefined,
): string {
  const instructions = conversation?.trim()
    ? [
        '',
        "The workflow author's instructions for this conversation (they win over the rules above):",
        conversation.trim(),
      ]
    : [];
  return [
    `You are "${agent}", an agent of a workflow. You gave the answer below, and now talk with the user about it`,
    'before the workflow goes on. You opened the conversation with this question:',
    '',
    '<question>',
    question,
    '</question>',
    '',
    "Stay in your role and discuss the answer's subject as it is; give the user the context they need.",
    `When you have what you need to go on, end your message with ${READY_MARKER}; never add it to a message`,
    'that asks the user something.',
    ...instructions,
    '',
    '<answer>',
    truncated(outputText(output), DIALOG_OUTPUT_CHARS),
    '</answer>',
  ].join('\n');
}

/** The section a re-run's prompt gets: the conversation, in order. */
export function transcriptSection(agent: string, transcript: readonly DialogMessage[]): string {
  return [
    '## Dialog with the user',
    '',
    'After your previous answer you talked with the user. Answer the task again, taking the conversation into account:',
    '',
    ...transcript.map((message) => `**${message.role === 'agent' ? agent : 'User'}:** ${message.content}`),
  ].join('\n');
}

interface Evaluation {
  trigger: boolean;
  reason: string;
  question: string;
  errored?: true;
}

/** Reads the evaluator's answer; anything without a clear `trigger` opens no dialog. */
export function evaluationOf(text: string): Evaluation {
  let value: unknown;
  try {
    value = parseJsonAnswer(text);
  } catch (error) {
    return {
      trigger: false,
      reason: `the evaluation did not parse: ${(error as Error).message}`,
      question: '',
      errored: true,
    };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { trigger: false, reason: 'the evaluation is not a JSON object', question: '', errored: true };
  const record = value as Record<string, unknown>;
  const text_ = (field: unknown) =>
    typeof field === 'string' ? field : field == null ? '' : JSON.stringify(field);
  const trigger = booleanOf(record.trigger);
  if (trigger === undefined) {
    return {
      trigger: false,
      reason: `"trigger" is ${JSON.stringify(record.trigger) ?? 'missing'}, not true or false`,
      question: '',
      errored: true,
    };
  }
  return { trigger, reason: text_(record.reason), question: text_(record.question) };
}

/** A reply without a final ready marker, and whether it had one. */
function readyOf(reply: string): { ready: boolean; text: string } {
  const trimmed = reply.trimEnd();
  if (!trimmed.endsWith(READY_MARKER)) return { ready: false, text: reply };
  return { ready: true, text: trimmed.slice(0, -READY_MARKER.length).trimEnd() };
}

/**
 * Asks the evaluator about `current` (`dialog_evaluated`), holds the dialog when it triggers
 * (`dialog_started`, a `dialog_message` per message, `dialog_completed`), and re-runs the step with the
 * conversation. Returns the final answer.
 */
export async function holdDialog(
  ctx: StepContext<AgentStep>,
  review: AnswerReview,
  current: AgentAnswer,
  settings: WorkflowSettings,
): Promise<AgentAnswer> {
  const { step } = ctx;
  const config = step.dialog;
  if (!config || !ctx.dialog) return current;
  const agent_name = step.name;
  if (ctx.dialog.skipReason === 'skip_gates') {
    ctx.emit('dialog_skipped', { agent_name, reason: 'skip_gates' });
    return current;
  }
  const model = step.model ?? settings.runtime?.default_model;
  const withModel = model === undefined ? {} : { model };

  let evaluation: Evaluation;
  try {
    const { answer } = await review.ask({
      agent: `${agent_name} (dialog evaluator)`,
      ...withModel,
      messages: [
        { role: 'system', content: evaluatorSystemPrompt(config.trigger_prompt) },
        {
          role: 'user',
          content: `Agent: ${agent_name}\n\nThe agent's answer:\n<answer>\n${truncated(outputText(current.output), EVALUATOR_OUTPUT_CHARS)}\n</answer>`,
        },
      ],
    });
    evaluation = evaluationOf(answer.text);
  } catch (error) {
    if (endsStep(ctx, error)) throw error;
    const { errorType, message } = failureOf(error, ctx);
    evaluation = {
      trigger: false,
      reason: `the evaluation failed: ${errorType}: ${message}`,
      question: '',
      errored: true,
    };
  }
  ctx.emit('dialog_evaluated', {
    agent_name,
    trigger: evaluation.trigger,
    reason: evaluation.reason,
    ...(evaluation.trigger ? { question: evaluation.question } : {}),
    ...(evaluation.errored ? { errored: true } : {}),
  });
  if (!evaluation.trigger) return current;
  const question =
    evaluation.question.trim() || 'Before I go on: is there anything you want to tell me about my answer?';
  if (ctx.dialog.skipReason === 'no_answerer') {
    ctx.emit('dialog_skipped', { agent_name, reason: 'no_answerer', question });
    return current;
  }

  const transcript = await converse(ctx, review, current, question, evaluation.reason, withModel);
  const said = transcript.some((message) => message.role === 'user' && !isDismissal(message.content));
  // Only "done": the user added nothing, so the answer stands as it is.
  if (!said) return current;
  return rerunOrKeep(ctx, review, current, transcriptSection(agent_name, transcript), 'dialog');
}

/** The conversation itself, turn by turn, until the user or the agent ends it. */
async function converse(
  ctx: StepContext<AgentStep>,
  review: AnswerReview,
  current: AgentAnswer,
  question: string,
  reason: string,
  withModel: { model?: string },
): Promise<DialogMessage[]> {
  const { step } = ctx;
  const dialog = ctx.dialog;
  if (!dialog) return [];
  const agent_name = step.name;
  const dialog_id = randomUUID().slice(0, 8);
  ctx.emit('dialog_started', { agent_name, dialog_id, opening_question: question, reason });
  const system = dialogSystemPrompt(agent_name, question, current.output, step.dialog?.conversation_prompt);
  const transcript: DialogMessage[] = [{ role: 'agent', content: question }];
  const history: ChatMessage[] = [{ role: 'system', content: system }];
  // The agent's latest message is shown once the user can answer it (so no answer comes too early).
  let shown: { content: string; error?: true } = { content: question };
  let userDismissed = false;
  let agentReady = false;
  for (;;) {
    const showing = shown;
    const turn = { step: agent_name, dialogId: dialog_id, question, transcript };
    const reply = await dialog.next(showing.error ? { ...turn, error: showing.content } : turn, () =>
      ctx.emit('dialog_message', {
        agent_name,
        dialog_id,
        role: 'agent',
        content: showing.content,
        ...(showing.error ? { error: true } : {}),
      }),
    );
    ctx.emit('dialog_message', {
      agent_name,
      dialog_id,
      role: 'user',
      content: reply.text,
      answered_by: reply.source,
    });
    transcript.push({ role: 'user', content: reply.text });
    if (isDismissal(reply.text)) {
      userDismissed = true;
      break;
    }
    history.push({ role: 'user', content: reply.text });
    try {
      const { answer } = await review.ask(
        { agent: `${agent_name} (dialog)`, ...withModel, messages: [...history] },
        { onText: (content) => ctx.emit('agent_message', { agent_name, content, dialog_id }) },
      );
      history.push({ role: 'assistant', content: answer.text });
      const { ready, text } = readyOf(answer.text);
      transcript.push({ role: 'agent', content: text });
      if (ready) {
        ctx.emit('dialog_message', { agent_name, dialog_id, role: 'agent', content: text });
        agentReady = true;
        break;
      }
      shown = { content: text };
    } catch (error) {
      if (endsStep(ctx, error)) throw error;
      // The user's turn is taken back, so the next one does not follow it unanswered.
      history.pop();
      const { errorType, message } = failureOf(error, ctx);
      shown = {
        content: `(The reply failed: ${errorType}: ${message}. Write again, or "done" to let ${agent_name} go on.)`,
        error: true,
      };
    }
  }
  ctx.emit('dialog_completed', {
    agent_name,
    dialog_id,
    turn_count: transcript.length,
    user_dismissed: userDismissed,
    agent_proposed_continue: agentReady,
  });
  return transcript;
}
