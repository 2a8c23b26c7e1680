/**
 * Workflows in the original conductor's format, written from its reference (not copied from anywhere),
 * each validated and run with the mock provider. Next to each `<name>.yaml`: `<name>.expected.json`, the
 * output the original would give (derived from the reference by reasoning, not by running this project),
 * and optionally `<name>.mock.json`, the mock provider's answers per agent.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadWorkflow, runWorkflow, validateWorkflowFile } from '@conductor/engine';
import type { ConductorEvent } from '@conductor/events';
import { afterEach, describe, expect, it } from 'vitest';
import { type Answer, type ModelServer, openaiText, serveModel } from '../support/model-server.js';

interface Expected {
  /** Inputs as the command line gives them (strings), or as a program does. */
  inputs?: Record<string, unknown>;
  /** `--provider`: "mock" unless null (then the workflow's own `runtime.provider`). */
  provider?: string | null;
  status: 'completed' | 'failed';
  /** The run's output (not checked for a failed run unless given). */
  output?: unknown;
  /** For a failed run: text its error message must contain. */
  error_contains?: string[];
  /** Keys `validate` must warn about (provider-only keys). */
  warned_keys?: string[];
  /** Text each agent's rendered prompt must contain. */
  prompt_contains?: Record<string, string[]>;
  /** The model each agent was called with. */
  models?: Record<string, string>;
  /** Per agent, the results of the MCP tool calls it made, in order. */
  tool_results?: Record<string, string[]>;
  /** Agents (or group items, `each[2]`) whose prompt must never have been rendered. */
  not_run?: string[];
  /**
   * A local server speaking the OpenAI Chat Completions API, at `$COMPAT_MODEL_URL` (with `/v1`): it answers
   * with an HTTP error `status` or a `text`, in order (the last repeats). `requests`: how many it must get;
   * `body`: fields the last request's body must have.
   */
  model_server?: {
    answers: Array<{ status: number } | { text: string }>;
    requests: number;
    body?: Record<string, unknown>;
  };
}

function answerOf(answer: { status: number } | { text: string }): Answer {
  if ('text' in answer) return openaiText([answer.text]);
  return (_req, res) => {
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: `status ${answer.status} from the test server` } }));
  };
}

const dir = fileURLToPath(new URL('./workflows/', import.meta.url));
const names = readdirSync(dir)
  .filter((name) => name.endsWith('.yaml'))
  .map((name) => name.slice(0, -'.yaml'.length))
  .sort();
const baseEnv = { PATH: process.env.PATH };
let server: ModelServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('workflows in the original format', () => {
  it('has an expectation for every workflow', () => {
    expect(names.length).toBeGreaterThanOrEqual(8);
    for (const name of names) expect(existsSync(`${dir}${name}.expected.json`), name).toBe(true);
  });

  it.each(names)('%s validates, and runs to the output the original gives', async (name) => {
    const path = `${dir}${name}.yaml`;
    const expected = JSON.parse(readFileSync(`${dir}${name}.expected.json`, 'utf8')) as Expected;
    if (expected.model_server) server = await serveModel(...expected.model_server.answers.map(answerOf));
    const env = server ? { ...baseEnv, COMPAT_MODEL_URL: `${server.origin}/v1` } : baseEnv;

    const validation = await validateWorkflowFile(path, { env });
    const errors = validation.ok ? [] : validation.errors.map((issue) => issue.message);
    expect(errors).toEqual([]);
    const warnings = validation.issues.filter((issue) => issue.severity === 'warning');
    for (const key of expected.warned_keys ?? []) {
      expect(warnings.filter((issue) => issue.message.startsWith(`"${key}" `))).toHaveLength(1);
    }
    if (!expected.warned_keys) expect(warnings.map((issue) => issue.message)).toEqual([]);

    const mock = `${dir}${name}.mock.json`;
    const provider = expected.provider === undefined ? 'mock' : expected.provider;
    const handle = runWorkflow(await loadWorkflow(path, { env }), {
      inputs: expected.inputs ?? {},
      ...(provider === null ? {} : { provider }),
      ...(existsSync(mock) ? { mockResponses: mock } : {}),
      skipGates: true,
      eventLog: false,
      checkpoints: false,
      env,
    });
    const events: ConductorEvent[] = [];
    for await (const event of handle.events) events.push(event);
    const result = await handle;
    if (expected.status === 'completed') expect(result.error?.message ?? null).toBeNull();
    for (const part of expected.error_contains ?? []) expect(result.error?.message).toContain(part);
    expect(result.status).toBe(expected.status);
    if (expected.status === 'completed' || 'output' in expected)
      expect(result.output).toEqual(expected.output);

    const rendered = (agent: string) =>
      events.filter((event) => event.type === 'agent_prompt_rendered' && event.data.agent_name === agent);
    for (const [agent, parts] of Object.entries(expected.prompt_contains ?? {})) {
      // Any of its prompts: a validator's re-run renders the prompt again, with the feedback.
      const prompts = rendered(agent).map((event) => String(event.data.rendered_prompt));
      for (const part of parts) expect(prompts.join('\n\n')).toContain(part);
    }
    for (const agent of expected.not_run ?? []) expect(rendered(agent), agent).toEqual([]);
    for (const [agent, results] of Object.entries(expected.tool_results ?? {})) {
      const done = events.filter(
        (event) => event.type === 'agent_tool_complete' && event.data.agent_name === agent,
      );
      expect(done.map((event) => event.data.result)).toEqual(results);
    }
    if (expected.model_server && server) {
      expect(server.seen).toHaveLength(expected.model_server.requests);
      expect(server.seen.at(-1)?.body).toMatchObject(expected.model_server.body ?? {});
    }
    for (const [agent, model] of Object.entries(expected.models ?? {})) {
      const completed = events.find(
        (event) => event.type === 'agent_completed' && event.data.agent_name === agent,
      );
      expect(completed?.data.model).toBe(model);
    }
  });
});
