/**
 * The engine's conversation and tools in the AI SDK's terms, and the model's tool calls back in ours. The
 * SDK turns these into each API's wire format (Chat Completions `tool_calls` / `tool` messages, Anthropic
 * `tool_use` / `tool_result` blocks).
 */
import { jsonSchema, type ModelMessage, type SystemModelMessage, type ToolSet, tool } from 'ai';
import type { ChatMessage, ToolCall, ToolSpec } from './types.js';

type ToolResultPart = Extract<ModelMessage, { role: 'tool' }>['content'][number];
type SharedOptions = NonNullable<SystemModelMessage['providerOptions']>;

/**
 * System turns go to the SDK's `system` option (it warns about system messages among the others); the
 * rest keep their order. The `tool` turns answering one assistant turn become one tool message, which
 * Anthropic needs (all results in the user turn that follows the calls).
 */
export function toModelMessages(messages: readonly ChatMessage[]): {
  system: SystemModelMessage[];
  messages: ModelMessage[];
} {
  const system: SystemModelMessage[] = [];
  const out: ModelMessage[] = [];
  for (const message of messages) {
    switch (message.role) {
      case 'system':
        system.push({ role: 'system', content: message.content });
        break;
      case 'user':
        out.push({ role: 'user', content: message.content });
        break;
      case 'assistant': {
        const calls = message.toolCalls ?? [];
        const reasoning = message.reasoning ?? [];
        if (calls.length === 0 && reasoning.length === 0) {
          out.push({ role: 'assistant', content: message.content });
          break;
        }
        out.push({
          role: 'assistant',
          content: [
            // Thinking goes back first, with its signature: Anthropic continues a turn with tools only so.
            ...reasoning.map((part) => ({
              type: 'reasoning' as const,
              text: part.text,
              ...(part.providerMetadata ? { providerOptions: part.providerMetadata as SharedOptions } : {}),
            })),
            ...(message.content ? [{ type: 'text' as const, text: message.content }] : []),
            ...calls.map((call) => ({
              type: 'tool-call' as const,
              toolCallId: call.id,
              toolName: call.name,
              // Arguments that were not a JSON object go back as {}: both APIs require an object there,
              // and the tool turn answering the call tells the model what was wrong with what it sent.
              input: call.arguments ?? {},
            })),
          ],
        });
        break;
      }
      case 'tool': {
        const part: ToolResultPart = {
          type: 'tool-result',
          toolCallId: message.toolCallId,
          toolName: message.toolName,
          output: message.isError
            ? { type: 'error-text', value: message.content }
            : { type: 'text', value: message.content },
        };
        const last = out.at(-1);
        if (last?.role === 'tool') last.content.push(part);
        else out.push({ role: 'tool', content: [part] });
        break;
      }
    }
  }
  return { system, messages: out };
}

/** Tool definitions with their JSON Schema and no `execute`: the SDK only reports the calls. */
export function toToolSet(specs: readonly ToolSpec[] | undefined): ToolSet | undefined {
  if (!specs || specs.length === 0) return undefined;
  const tools: ToolSet = {};
  for (const spec of specs) {
    tools[spec.name] = tool({
      description: spec.description,
      inputSchema: jsonSchema(spec.inputSchema as Parameters<typeof jsonSchema>[0]),
    });
  }
  return tools;
}

/**
 * A call as the model sent it. `argumentsText` is what came over the wire (the streamed deltas); the
 * arguments are that text parsed, or null with `argumentsError` when it is not a JSON object. No
 * arguments at all (an empty text) mean `{}`, as the APIs send for tools without parameters.
 */
export function toolCallOf(id: string, name: string, argumentsText: string): ToolCall {
  const call: ToolCall = { id, name, argumentsText, arguments: null };
  if (argumentsText.trim() === '') {
    call.arguments = {};
    return call;
  }
  let value: unknown;
  try {
    value = JSON.parse(argumentsText);
  } catch (error) {
    call.argumentsError = `the arguments are not valid JSON (${(error as Error).message})`;
    return call;
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    call.arguments = value as Record<string, unknown>;
  } else {
    const kind = Array.isArray(value) ? 'a list' : value === null ? 'null' : `a ${typeof value}`;
    call.argumentsError = `the arguments are ${kind}, not a JSON object`;
  }
  return call;
}
