// The two model APIs the providers speak, behind one shape, so a test of the engine runs unchanged against
// a local OpenAI Chat Completions server (provider `openai`) and a local Anthropic Messages server
// (provider `claude`): what the server streams, and what the engine sent it.
import {
  anthropicStream,
  type Handler,
  type ModelServer,
  openaiStream,
  type SeenRequest,
} from './model-servers.js';

export interface ScriptedCall {
  id: string;
  name: string;
  /** The arguments' JSON text, streamed in these pieces (it may be malformed on purpose). */
  pieces: string[];
}

/** Tokens a server reports for one answer. */
export interface ScriptedUsage {
  input: number;
  output: number;
}

/** A tool result as the server received it. */
export interface SeenToolResult {
  id: string;
  content: string;
  /** Anthropic's `is_error`; OpenAI's API has no such flag (undefined). */
  isError?: boolean;
}

export interface ModelApi {
  provider: 'openai' | 'claude';
  /** The model the server says answered (what usage is priced by). */
  model: string;
  /** The environment that points the provider at `server` with `key`. */
  env(server: ModelServer, key?: string): Record<string, string>;
  /** An answer with some text and these tool calls. */
  toolCalls(calls: ScriptedCall[], options?: { text?: string[]; usage?: ScriptedUsage }): Handler;
  /** A text answer. */
  text(text: string[], usage?: ScriptedUsage): Handler;
  /** A structured answer, as the API carries one (OpenAI: JSON text; Anthropic: the forced `json` tool). */
  json(value: unknown, usage?: ScriptedUsage): Handler;
  /** The tool results a request carried, in order. */
  toolResults(seen: SeenRequest): SeenToolResult[];
  /** The system message of a request. */
  system(seen: SeenRequest): string | undefined;
  /** The names of the tools a request offered (the forced `json` tool left out). */
  tools(seen: SeenRequest): string[];
}

type Message = { role: string; content?: unknown; tool_call_id?: string };
type Block = { type: string; tool_use_id?: string; content?: unknown; is_error?: boolean; text?: string };

export const openaiApi: ModelApi = {
  provider: 'openai',
  model: 'gpt-test-2025',
  env: (server, key = 'sk-local-openai') => ({ OPENAI_BASE_URL: `${server.origin}/v1`, OPENAI_API_KEY: key }),
  toolCalls: (calls, options = {}) =>
    openaiStream({
      ...(options.text ? { deltas: options.text } : {}),
      toolCalls: calls,
      usage: openaiUsage(options.usage),
    }),
  text: (text, usage) => openaiStream({ deltas: text, usage: openaiUsage(usage) }),
  json: (value, usage) => openaiStream({ deltas: [JSON.stringify(value)], usage: openaiUsage(usage) }),
  toolResults: (seen) =>
    (seen.body.messages as Message[])
      .filter((m) => m.role === 'tool')
      .map((m) => ({ id: m.tool_call_id ?? '', content: String(m.content) })),
  system: (seen) => {
    const first = (seen.body.messages as Message[])[0];
    return first?.role === 'system' ? String(first.content) : undefined;
  },
  tools: (seen) =>
    ((seen.body.tools ?? []) as Array<{ function: { name: string } }>).map((tool) => tool.function.name),
};

export const claudeApi: ModelApi = {
  provider: 'claude',
  model: 'claude-test-1',
  env: (server, key = 'sk-ant-local') => ({
    ANTHROPIC_BASE_URL: server.origin,
    ANTHROPIC_API_KEY: key,
    ANTHROPIC_AUTH_TOKEN: '',
  }),
  toolCalls: (calls, options = {}) =>
    anthropicStream({
      ...(options.text ? { text: options.text } : {}),
      toolUses: calls,
      ...anthropicUsage(options.usage),
    }),
  text: (text, usage) => anthropicStream({ text, ...anthropicUsage(usage) }),
  // Models with native structured output are asked through `output_config`; older ones through a forced
  // `json` tool, whose input is the answer.
  json: (value, usage) => (req, res, seen) => {
    const forced = ((seen.body.tools ?? []) as Array<{ name: string }>).some((tool) => tool.name === 'json');
    const answer = forced
      ? { toolUses: [{ id: 'toolu_json', name: 'json', pieces: [JSON.stringify(value)] }] }
      : { text: [JSON.stringify(value)] };
    anthropicStream({ ...answer, ...anthropicUsage(usage) })(req, res, seen);
  },
  toolResults: (seen) =>
    (seen.body.messages as Message[])
      .filter((m) => m.role === 'user' && Array.isArray(m.content))
      .flatMap((m) => (m.content as Block[]).filter((block) => block.type === 'tool_result'))
      .map((block) => ({
        id: block.tool_use_id ?? '',
        content: typeof block.content === 'string' ? block.content : JSON.stringify(block.content),
        ...(block.is_error ? { isError: true } : {}),
      })),
  system: (seen) => {
    const system = seen.body.system as Block[] | undefined;
    return system?.map((block) => block.text).join('');
  },
  tools: (seen) =>
    ((seen.body.tools ?? []) as Array<{ name: string }>)
      .map((tool) => tool.name)
      .filter((name) => name !== 'json'),
};

export const MODEL_APIS: readonly ModelApi[] = [openaiApi, claudeApi];

function openaiUsage(usage: ScriptedUsage | undefined): Record<string, unknown> {
  const { input, output } = usage ?? { input: 12, output: 5 };
  return { prompt_tokens: input, completion_tokens: output, total_tokens: input + output };
}

function anthropicUsage(usage: ScriptedUsage | undefined) {
  const { input, output } = usage ?? { input: 20, output: 15 };
  return { usage: { input_tokens: input }, outputTokens: output };
}
