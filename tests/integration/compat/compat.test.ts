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
import { describe, expect, it } from 'vitest';

interface Expected {
  /** Inputs as the command line gives them (strings), or as a program does. */
  inputs?: Record<string, unknown>;
  /** `--provider`: "mock" unless null (then the workflow's own `runtime.provider`). */
  provider?: string | null;
  status: 'completed' | 'failed';
  output: unknown;
  /** Keys `validate` must warn about (provider-only keys). */
  warned_keys?: string[];
  /** Text each agent's rendered prompt must contain. */
  prompt_contains?: Record<string, string[]>;
  /** The model each agent was called with. */
  models?: Record<string, string>;
}

const dir = fileURLToPath(new URL('./workflows/', import.meta.url));
const names = readdirSync(dir)
  .filter((name) => name.endsWith('.yaml'))
  .map((name) => name.slice(0, -'.yaml'.length))
  .sort();
const env = { PATH: process.env.PATH };

describe('workflows in the original format', () => {
  it('has an expectation for every workflow', () => {
    expect(names.length).toBeGreaterThanOrEqual(8);
    for (const name of names) expect(existsSync(`${dir}${name}.expected.json`), name).toBe(true);
  });

  it.each(names)('%s validates, and runs to the output the original gives', async (name) => {
    const path = `${dir}${name}.yaml`;
    const expected = JSON.parse(readFileSync(`${dir}${name}.expected.json`, 'utf8')) as Expected;

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
    expect(result.error?.message ?? null).toBeNull();
    expect(result.status).toBe(expected.status);
    expect(result.output).toEqual(expected.output);

    for (const [agent, parts] of Object.entries(expected.prompt_contains ?? {})) {
      const rendered = events.find(
        (event) => event.type === 'agent_prompt_rendered' && event.data.agent_name === agent,
      );
      for (const part of parts) expect(String(rendered?.data.rendered_prompt)).toContain(part);
    }
    for (const [agent, model] of Object.entries(expected.models ?? {})) {
      const completed = events.find(
        (event) => event.type === 'agent_completed' && event.data.agent_name === agent,
      );
      expect(completed?.data.model).toBe(model);
    }
  });
});
