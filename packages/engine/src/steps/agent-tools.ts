// The tool loop of an agent step: the engine, not the provider, runs the tools the model asks for,
// records each call, and holds the loop to its limits. agent.ts asks through it for every answer.
import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import type { SpilledOutput } from '@conductor/events';
import { spillOf, textOf } from '../outputs/store.js';
import { abortError } from '../providers/abort.js';
import type {
  ChatMessage,
  CompletionRequest,
  CompletionResult,
  Provider,
  ToolCall,
} from '../providers/types.js';
import type { StepTools } from '../tools/toolbox.js';
import type { AgentStep } from '../workflow/types.js';
import { recordChildProcess } from './child-process.js';
import { round, templateAt } from './common.js';
import { StepFailure } from './errors.js';
import type { StepContext } from './types.js';

/** Model requests in one agent step's tool loop when neither the step nor the runtime says (the original's). */
export const DEFAULT_MAX_AGENT_ITERATIONS = 50;

export interface AgentToolLoop {
  /**
   * Asks `provider` with the step's tools until the model answers without calling any: each call it
   * asks for is run (`agent_tool_start` / `agent_tool_complete`) and answered with a `tool` turn.
   * `messages` grows by the assistant's tool-call turns and their results, so a correction turn that
   * follows keeps the whole conversation. Every request counts against `max_agent_iterations`.
   */
  complete(
    provider: Provider,
    request: Omit<CompletionRequest, 'messages' | 'tools' | 'signal'>,
    messages: ChatMessage[],
    onText: (chunk: string) => void,
  ): Promise<CompletionResult>;
  /**
   * One request without tools, beside the step's answer (its validator, its dialog): under the step's
   * timeout and the run's stop, not counted against `max_agent_iterations`, nor seen by `onAnswer`.
   */
  ask(
    provider: Provider,
    request: Omit<CompletionRequest, 'tools' | 'signal'>,
    onText: (chunk: string) => void,
  ): Promise<CompletionResult>;
  /** Ends the step's timeout timer. */
  dispose(): void;
}

/**
 * Prepares an agent step's tool loop: its limits (`max_agent_iterations`, `max_session_seconds`,
 * `timeout_seconds`), its working folder, and its tools (starting the MCP servers they need, once per
 * run). `onAnswer` sees every answer, for usage totals.
 */
export async function openAgentToolLoop(
  ctx: StepContext<AgentStep>,
  onAnswer: (answer: CompletionResult) => void,
): Promise<AgentToolLoop> {
  const { step } = ctx;
  const agent_name = step.name;
  const runtime = ctx.workflow.definition.workflow.runtime ?? {};
  const maxIterations =
    step.max_agent_iterations ?? runtime.max_agent_iterations ?? DEFAULT_MAX_AGENT_ITERATIONS;
  const maxSession = step.max_session_seconds ?? runtime.max_session_seconds;
  const sessionStart = ctx.clock();

  // timeout_seconds cancels the whole step; the run's own stop and timeout come through ctx.signal.
  const timeout = new AbortController();
  const timer =
    step.timeout_seconds === undefined
      ? undefined
      : setTimeout(() => timeout.abort(), step.timeout_seconds * 1000);
  const signal = timer ? AbortSignal.any([ctx.signal, timeout.signal]) : ctx.signal;
  const guard = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (timeout.signal.aborted && !ctx.signal.aborted) {
        ctx.emit('agent_timeout', {
          agent_name,
          timeout_seconds: step.timeout_seconds as number,
          elapsed: round(ctx.clock() - sessionStart),
        });
        throw new StepFailure(
          step.name,
          'AgentTimeout',
          `agent "${step.name}" did not finish within its timeout_seconds (${step.timeout_seconds}) and was cancelled. ` +
            'Raise timeout_seconds, or lower max_agent_iterations so the loop ends sooner.',
          { cause: error, details: { timeout_seconds: step.timeout_seconds } },
        );
      }
      throw error;
    }
  };
  const dispose = () => {
    if (timer) clearTimeout(timer);
  };

  let tools: StepTools | undefined;
  try {
    tools = await guard(async () => {
      const cwd = await workingDir(ctx);
      if (!wantsTools(ctx)) return undefined;
      return ctx.tools.toolsFor({
        definition: ctx.workflow.definition,
        workflowDir: ctx.workflowDir,
        selection: step.tools,
        cwd,
        signal,
        onSpawn: (child, details) =>
          recordChildProcess(ctx, child, { kind: 'mcp_server', command: details.command }),
        step: step.name,
        path: ctx.subworkflow.path,
      });
    });
  } catch (error) {
    dispose();
    throw error;
  }
  const specs = tools && tools.specs.length > 0 ? [...tools.specs] : undefined;
  let requests = 0;

  const runCall = async (call: ToolCall): Promise<ChatMessage> => {
    const started = ctx.clock();
    const base = { agent_name, tool_name: call.name, call_id: call.id };
    const args = await cappedArguments(ctx, call);
    ctx.emit('agent_tool_start', {
      ...base,
      arguments: args.value,
      ...(call.arguments === null ? { arguments_error: call.argumentsError ?? 'not a JSON object' } : {}),
      ...(args.spill ? { spills: { arguments: args.spill } } : {}),
    });
    const complete = (fields: Record<string, unknown>) =>
      ctx.emit('agent_tool_complete', { ...base, elapsed: round(ctx.clock() - started), ...fields });
    if (call.arguments === null) {
      const message =
        `the arguments of this call are not a JSON object (${call.argumentsError ?? 'they do not parse'}); ` +
        `call ${call.name} again with a JSON object that matches its input schema`;
      complete({ result: null, error: message });
      return { role: 'tool', toolCallId: call.id, toolName: call.name, content: message, isError: true };
    }
    let outcome: Awaited<ReturnType<StepTools['call']>>;
    try {
      outcome = tools
        ? await tools.call(call.name, call.arguments, signal)
        : {
            model: `there is no tool "${call.name}": this step has no tools`,
            event: `there is no tool "${call.name}": this step has no tools`,
            isError: true,
          };
    } catch (error) {
      complete({ result: null, error: `the call was stopped: ${(error as Error).message}` });
      throw error;
    }
    const spills = outcome.spill ? { spills: { [outcome.isError ? 'error' : 'result']: outcome.spill } } : {};
    complete({
      result: outcome.isError ? null : outcome.event,
      error: outcome.isError ? outcome.event : null,
      ...(outcome.truncatedFrom === undefined ? {} : { result_chars: outcome.truncatedFrom }),
      ...spills,
    });
    return {
      role: 'tool',
      toolCallId: call.id,
      toolName: call.name,
      content: outcome.model,
      ...(outcome.isError ? { isError: true } : {}),
    };
  };

  return {
    dispose,
    ask: (provider, request, onText) =>
      guard(async () => {
        if (signal.aborted) throw abortError(signal);
        return provider.complete({ ...request, signal }, onText);
      }),
    complete: (provider, request, messages, onText) =>
      guard(async () => {
        for (;;) {
          if (requests >= maxIterations) {
            throw new StepFailure(
              step.name,
              'MaxAgentIterationsExceeded',
              `agent "${step.name}" made ${requests} request${requests === 1 ? '' : 's'} to the model, its max_agent_iterations, ` +
                'without a final answer. Raise max_agent_iterations on the step or in workflow.runtime, or say in the ' +
                'prompt when to stop calling tools.',
              { details: { max_agent_iterations: maxIterations } },
            );
          }
          if (requests > 0 && maxSession !== undefined && ctx.clock() - sessionStart >= maxSession) {
            throw new StepFailure(
              step.name,
              'MaxSessionSecondsExceeded',
              `agent "${step.name}" was still calling tools after its max_session_seconds (${maxSession}), ` +
                `after ${requests} request${requests === 1 ? '' : 's'} to the model. Raise max_session_seconds, or ` +
                'say in the prompt when to stop.',
              { details: { max_session_seconds: maxSession } },
            );
          }
          // A stop that came while tools ran (or before the first request) is not left to the provider to notice.
          if (signal.aborted) throw abortError(signal);
          requests += 1;
          const answer = await provider.complete(
            { ...request, messages: [...messages], ...(specs ? { tools: specs } : {}), signal },
            onText,
          );
          onAnswer(answer);
          const calls = answer.toolCalls ?? [];
          if (calls.length === 0) return answer;
          messages.push({
            role: 'assistant',
            content: answer.text,
            toolCalls: calls,
            ...(answer.reasoning ? { reasoning: answer.reasoning } : {}),
          });
          for (const call of calls) messages.push(await runCall(call));
        }
      }),
  };
}

/** Whether the step may use tools at all: not `tools: []`, and some server or tool list exists. */
function wantsTools(ctx: StepContext<AgentStep>): boolean {
  const { step } = ctx;
  if (Array.isArray(step.tools)) return step.tools.length > 0;
  const { definition } = ctx.workflow;
  return (
    (definition.tools?.length ?? 0) > 0 ||
    Object.keys(definition.workflow.runtime?.mcp_servers ?? {}).length > 0
  );
}

/**
 * The agent's working folder (§3.7 of the original): its `working_dir`, else `runtime.working_dir`,
 * rendered, `~` expanded, resolved against the workflow file's folder; it must exist. Without either,
 * the workflow file's folder. Stdio MCP servers without a `cwd` of their own run there.
 */
async function workingDir(ctx: StepContext<AgentStep>): Promise<string> {
  const runtime = ctx.workflow.definition.workflow.runtime ?? {};
  const source = ctx.step.working_dir ?? runtime.working_dir;
  if (source === undefined) return ctx.workflowDir;
  const field = ctx.step.working_dir === undefined ? 'runtime.working_dir' : 'working_dir';
  const rendered = (
    await ctx.templates.renderTemplate(source, ctx.promptScope(), templateAt(ctx, field))
  ).trim();
  const expanded = rendered === '~' || rendered.startsWith('~/') ? homedir() + rendered.slice(1) : rendered;
  const dir = resolve(ctx.workflowDir, expanded);
  const found = await stat(dir).catch(() => undefined);
  if (!found?.isDirectory()) {
    throw new StepFailure(
      ctx.step.name,
      'WorkingDirError',
      `agent "${ctx.step.name}": its ${field} ${dir} does not exist or is not a folder ` +
        "(relative paths start at the workflow file's folder). Create it, or change the setting.",
    );
  }
  return dir;
}

/** The arguments for `agent_tool_start`: as sent, or their head when their JSON is over the run's cap. */
async function cappedArguments(
  ctx: StepContext<AgentStep>,
  call: ToolCall,
): Promise<{ value: unknown; spill?: SpilledOutput }> {
  const value: unknown = call.arguments ?? call.argumentsText;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (text.length <= ctx.outputs.maxChars) return { value };
  const capped = await ctx.outputs.cap(text, {
    step: ctx.step.name,
    path: ctx.subworkflow.path,
    field: 'arguments',
  });
  const spill = spillOf(capped);
  return spill ? { value: textOf(capped), spill } : { value };
}
