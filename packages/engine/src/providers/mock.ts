import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import * as v from 'valibot';
import { parse as parseYaml } from 'yaml';
import { abortError } from './abort.js';
import { MockResponsesError, ProviderError } from './errors.js';
import type { CompletionRequest, CompletionResult, Provider, ToolCall } from './types.js';

/**
 * The step a call is made for, and what for: a step's own answers are keyed by its name; the calls made
 * beside them by `<step> (validator)`, `<step> (dialog evaluator)` and `<step> (dialog)`.
 */
function sideCallOf(name: string): { step: string; suffix: string } {
  const match = / \((validator|dialog evaluator|dialog)\)$/.exec(name);
  return match ? { step: name.slice(0, match.index), suffix: match[0] } : { step: name, suffix: '' };
}

/** A tool call a scripted answer asks for: the tool's `server__tool` name and its arguments. */
export interface MockToolCall {
  name: string;
  /** An object, or the raw text the model would send (to script malformed arguments). Default `{}`. */
  arguments?: Record<string, unknown> | string;
}

/** Token counts a scripted answer reports instead of the mock's estimate (characters / 4). */
export interface MockUsage {
  input_tokens?: number;
  output_tokens?: number;
  cache_read_tokens?: number;
  cache_write_tokens?: number;
}

/**
 * One scripted answer: a structured `output`, a provider `error`, raw `text`, or `tool_calls` (the
 * engine runs the real tools and asks again: the agent's next answer continues), optionally with `text`;
 * and the `usage` it reports.
 */
export type MockEntry = (
  | { output: unknown }
  | { error: string }
  | { text: string }
  | { tool_calls: MockToolCall[]; text?: string }
) & { usage?: MockUsage };

const tokenCount = v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)));

/** Scripted answers per agent, consumed in order; the last one repeats. */
export type MockResponses = Record<string, MockEntry[]>;

/** What a responses file or object may hold: per agent, one entry or a list of them. */
export type MockResponsesInput = Record<string, MockEntry | MockEntry[]>;

const ToolCallSchema = v.strictObject({
  name: v.pipe(v.string(), v.minLength(1, "a tool call needs the tool's name")),
  arguments: v.optional(v.union([v.record(v.string(), v.unknown()), v.string()])),
});

const EntrySchema = v.pipe(
  v.strictObject({
    output: v.optional(v.unknown()),
    error: v.optional(v.pipe(v.string(), v.minLength(1))),
    text: v.optional(v.string()),
    tool_calls: v.optional(v.pipe(v.array(ToolCallSchema), v.minLength(1, 'tool_calls must list a call'))),
    usage: v.optional(
      v.strictObject({
        input_tokens: tokenCount,
        output_tokens: tokenCount,
        cache_read_tokens: tokenCount,
        cache_write_tokens: tokenCount,
      }),
    ),
  }),
  v.check(
    (entry) =>
      'tool_calls' in entry
        ? !('output' in entry) && !('error' in entry)
        : ['output', 'error', 'text'].filter((key) => key in entry).length === 1,
    'an entry needs exactly one of "output", "error", "text" or "tool_calls" (which may come with "text")',
  ),
);

const FileSchema = v.record(v.string(), v.unknown());

export interface LoadMockResponsesOptions {
  /** The workflow's agent step names; an entry for any other name is an error. */
  agents?: readonly string[];
  /** Relative paths resolve against this folder (default: the current directory). */
  baseDir?: string;
}

/**
 * Reads and checks scripted mock answers from a YAML/JSON file (or takes them as an object), e.g.
 * `{ reviewer: [{ output: { score: 3 } }, { output: { score: 9 } }], writer: { text: "draft" } }`.
 */
export async function loadMockResponses(
  source: string | MockResponsesInput,
  options: LoadMockResponsesOptions = {},
): Promise<MockResponses> {
  let where = 'mock responses';
  let raw: unknown = source;
  if (typeof source === 'string') {
    const path = resolve(options.baseDir ?? process.cwd(), source);
    where = path;
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (cause) {
      throw new MockResponsesError(
        `cannot read mock responses file ${path}: ${(cause as Error).message}. ` +
          'Check the path given to --mock-responses (a YAML or JSON file, relative to the current directory).',
        { cause },
      );
    }
    try {
      raw = parseYaml(text);
    } catch (cause) {
      throw new MockResponsesError(`${path}: not valid YAML or JSON: ${(cause as Error).message}`, { cause });
    }
  }
  return checkMockResponses(raw, where, options.agents);
}

/** Validates already-parsed scripted answers; `where` names the file in messages. */
export function checkMockResponses(raw: unknown, where: string, agents?: readonly string[]): MockResponses {
  const top = v.safeParse(FileSchema, raw);
  if (!top.success || Array.isArray(raw)) {
    throw new MockResponsesError(
      `${where}: expected a mapping of agent name to answers, like "reviewer: [{ output: { score: 9 } }]"`,
    );
  }
  const result: MockResponses = {};
  for (const [agent, value] of Object.entries(top.output)) {
    const { step } = sideCallOf(agent);
    const group = /^(.*)\[\d+\]$/.exec(step)?.[1];
    if (agents && !agents.includes(step) && !(group !== undefined && agents.includes(group))) {
      throw new MockResponsesError(
        `${where}: agent "${agent}" is not an agent step of this workflow (agent steps: ${agents.join(', ') || 'none'}). ` +
          'A step\'s validator, dialog evaluator and dialog are scripted as "<step> (validator)", "<step> (dialog evaluator)" and "<step> (dialog)".',
      );
    }
    const list = Array.isArray(value) ? value : [value];
    if (list.length === 0)
      throw new MockResponsesError(`${where}: agent "${agent}" has an empty list of answers`);
    result[agent] = list.map((entry, index) => {
      const parsed = v.safeParse(EntrySchema, entry);
      if (parsed.success) return parsed.output as MockEntry;
      const issue = parsed.issues[0];
      const path = v.getDotPath(issue);
      const at = Array.isArray(value) ? `answer ${index + 1}` : 'its answer';
      throw new MockResponsesError(
        `${where}: agent "${agent}", ${at}${path ? ` (${path})` : ''}: ${issue.message}. ` +
          'Each answer is { output: {...} }, { error: "message" }, { text: "raw answer" } or ' +
          '{ tool_calls: [{ name: server__tool, arguments: {...} }] }, with an optional usage: { input_tokens, output_tokens }.',
      );
    });
  }
  return result;
}

export interface MockProviderOptions {
  responses?: MockResponses;
}

/**
 * An offline, deterministic provider. Without a script it answers every agent with output that
 * matches the step's schema (`"<agent>: <field> (mock)"` within its length bounds, 1 within its range,
 * true, the first enum value, one-item arrays; a `pattern` needs a scripted answer); with one it plays each agent's answers in order, repeating the last.
 */
export function createMockProvider(options: MockProviderOptions = {}): Provider {
  const responses = options.responses ?? {};
  const calls = new Map<string, number>();
  let toolCallCount = 0;

  function nextEntry(name: string): MockEntry | undefined {
    // A for-each item (`group[3]`) uses its own answers, else its group's (shared by the items, in order);
    // so does its validator (`group[3] (validator)`, else `group (validator)`).
    const { step, suffix } = sideCallOf(name);
    const group = /^(.*)\[\d+\]$/.exec(step)?.[1];
    const agent = responses[name] === undefined && group !== undefined ? `${group}${suffix}` : name;
    const list = responses[agent];
    if (!list || list.length === 0) return undefined;
    const count = calls.get(agent) ?? 0;
    calls.set(agent, count + 1);
    return list[Math.min(count, list.length - 1)];
  }

  return {
    name: 'mock',
    requiresModel: false,
    async complete(request: CompletionRequest, onText: (chunk: string) => void): Promise<CompletionResult> {
      if (request.signal.aborted) throw abortError(request.signal);
      const entry = nextEntry(request.agent);
      let text: string;
      if (entry && 'error' in entry)
        throw new ProviderError(`mock provider (scripted for "${request.agent}"): ${entry.error}`);
      let toolCalls: ToolCall[] | undefined;
      if (entry && 'tool_calls' in entry) {
        text = entry.text ?? '';
        toolCalls = entry.tool_calls.map((call) => mockToolCall(call, `mock-call-${++toolCallCount}`));
      } else if (entry && 'text' in entry) text = entry.text;
      else if (entry && 'output' in entry) text = JSON.stringify(entry.output);
      else if (request.jsonSchema)
        text = JSON.stringify(mockValue(request.jsonSchema, request.agent, 'result'));
      else text = `${request.agent}: result (mock)`;

      for (const chunk of chunksOf(text, 3)) {
        // Yield between chunks, as a network stream would, so an abort can land mid-answer.
        await new Promise((resolveTick) => setImmediate(resolveTick));
        if (request.signal.aborted) throw abortError(request.signal);
        onText(chunk);
      }
      const promptChars = request.messages.reduce((sum, m) => sum + m.content.length, 0);
      const usage = entry?.usage;
      return {
        text,
        model: request.model ?? 'mock',
        inputTokens: usage?.input_tokens ?? Math.ceil(promptChars / 4),
        outputTokens: usage?.output_tokens ?? Math.ceil(text.length / 4),
        ...(usage?.cache_read_tokens === undefined ? {} : { cacheReadTokens: usage.cache_read_tokens }),
        ...(usage?.cache_write_tokens === undefined ? {} : { cacheWriteTokens: usage.cache_write_tokens }),
        // The mock is free, unless a scripted answer plays a real model's usage: that is priced as the
        // model's would be (the workflow's cost.pricing, else the built-in table).
        ...(usage ? {} : { costUsd: 0 }),
        ...(toolCalls
          ? { toolCalls, finishReason: 'tool-calls' as const }
          : { finishReason: 'stop' as const }),
      };
    },
  };
}

/** A scripted call as a provider returns it: arguments given as text are parsed like a model's. */
function mockToolCall(call: MockToolCall, id: string): ToolCall {
  if (typeof call.arguments !== 'string') {
    const args = call.arguments ?? {};
    return { id, name: call.name, argumentsText: JSON.stringify(args), arguments: args };
  }
  try {
    const parsed: unknown = JSON.parse(call.arguments);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      return {
        id,
        name: call.name,
        argumentsText: call.arguments,
        arguments: parsed as Record<string, unknown>,
      };
    return {
      id,
      name: call.name,
      argumentsText: call.arguments,
      arguments: null,
      argumentsError: 'not a JSON object',
    };
  } catch (error) {
    return {
      id,
      name: call.name,
      argumentsText: call.arguments,
      arguments: null,
      argumentsError: `not valid JSON: ${(error as Error).message}`,
    };
  }
}

/** A value conforming to a JSON Schema node (the subset the engine derives from `output:`). */
export function mockValue(schema: Record<string, unknown>, agent: string, field: string): unknown {
  const enumValues = schema.enum;
  if (Array.isArray(enumValues) && enumValues.length > 0) return enumValues[0];
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'string':
      return withinLength(`${agent}: ${field} (mock)`, schema);
    case 'number':
    case 'integer':
      return withinRange(1, schema, type === 'integer');
    case 'boolean':
      return true;
    case 'array': {
      const items = (schema.items as Record<string, unknown> | undefined) ?? { type: 'string' };
      return [mockValue(items, agent, field)];
    }
    case 'object': {
      const properties = (schema.properties as Record<string, Record<string, unknown>> | undefined) ?? {};
      return Object.fromEntries(
        Object.entries(properties).map(([key, sub]) => [key, mockValue(sub, agent, key)]),
      );
    }
    default:
      return `${agent}: ${field} (mock)`;
  }
}

/** `text` cut or padded to the schema's `maxLength`/`minLength` (a `pattern` is not attempted). */
function withinLength(text: string, schema: Record<string, unknown>): string {
  const { minLength, maxLength } = schema;
  let value = text;
  if (typeof maxLength === 'number') value = Array.from(value).slice(0, maxLength).join('');
  if (typeof minLength === 'number') value = value.padEnd(minLength, '.');
  return value;
}

/** `value` moved into the schema's inclusive `minimum`..`maximum`. */
function withinRange(value: number, schema: Record<string, unknown>, integer: boolean): number {
  const { minimum, maximum } = schema;
  let result = value;
  if (typeof minimum === 'number' && result < minimum) result = integer ? Math.ceil(minimum) : minimum;
  if (typeof maximum === 'number' && result > maximum) result = integer ? Math.floor(maximum) : maximum;
  return result;
}

function chunksOf(text: string, parts: number): string[] {
  const chars = Array.from(text);
  if (chars.length === 0) return [];
  const size = Math.ceil(chars.length / parts);
  const chunks: string[] = [];
  for (let i = 0; i < chars.length; i += size) chunks.push(chars.slice(i, i + size).join(''));
  return chunks;
}
