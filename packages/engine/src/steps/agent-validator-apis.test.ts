import { eventLogPath } from '@conductor/event-log';
import type { ConductorEvent } from '@conductor/events';
import { afterEach, describe, expect, it } from 'vitest';
import { runWorkflow } from '../launch/run-workflow.js';
import { readLog, tempSpace, writeWorkflow } from '../testing/durable.js';
import { MODEL_APIS, type ModelApi } from '../testing/model-apis.js';
import { closeModelServers, type Handler, serveModel } from '../testing/model-servers.js';
import { ofType } from '../testing/support.js';

// An agent step's `validator:` through the real providers, against local servers that speak each model
// API: OpenAI Chat Completions (`openai`) and the Anthropic Messages API (`claude`). The validator is a
// second request with the criteria; a fail runs the step once more with the issues as feedback.

afterEach(closeModelServers);

const CRITERIA = 'Every finding names a file.';

const workflow = (api: ModelApi, output = '') => `workflow:
  name: validated
  entry_point: review
  runtime:
    provider: ${api.provider}
    default_model: ${api.model}
agents:
  - name: review
    system_prompt: You review diffs.
    prompt: Review the diff.
    validator:
      criteria: ${JSON.stringify(CRITERIA)}
${output}`;

async function runAgainst(api: ModelApi, yaml: string, handlers: Handler[]) {
  const server = await serveModel(...handlers);
  const { home, dir } = await tempSpace();
  const path = await writeWorkflow(dir, 'validated.yaml', yaml);
  const run = runWorkflow(path, { home, env: { ...process.env, ...api.env(server) } });
  const result = await run;
  const { events } = await readLog(eventLogPath(run.runId, home));
  return { result, events, server };
}

const dataOf = (events: ConductorEvent[], type: string) => ofType(events, type).map((e) => e.data);
/** Everything a request sent, as text: the prompt and answer the validator was shown are in it. */
const sent = (seen: { body: Record<string, unknown> } | undefined) => JSON.stringify(seen?.body ?? {});

describe.each(MODEL_APIS)('a validator over the $provider API', (api) => {
  it('passes: the answer stands, after a second request that carried the criteria and the answer', async () => {
    const { result, events, server } = await runAgainst(api, workflow(api), [
      api.text(['src/a.ts: a null check is missing.']),
      api.json({ passed: true, issues: [] }, { input: 40, output: 8 }),
    ]);
    expect(result, JSON.stringify(result.error)).toMatchObject({
      status: 'completed',
      output: { result: 'src/a.ts: a null check is missing.' },
    });
    expect(server.seen).toHaveLength(2);
    const grading = server.seen[1];
    expect(api.system(grading as never)).toContain(CRITERIA);
    expect(sent(grading)).toContain('Review the diff.');
    expect(sent(grading)).toContain('src/a.ts: a null check is missing.');
    // The grader was asked for the verdict's JSON: OpenAI by a response format, Anthropic by a schema.
    expect(sent(grading)).toContain('passed');

    expect(dataOf(events, 'agent_validator_start')).toEqual([
      expect.objectContaining({ agent_name: 'review', model: api.model }),
    ]);
    expect(dataOf(events, 'agent_validator_complete')).toEqual([
      expect.objectContaining({ agent_name: 'review', passed: true, issues: [], input_tokens: 40 }),
    ]);
    expect(dataOf(events, 'agent_validation_failed')).toEqual([]);
    // One answer: the step ran once, and its usage counts the validator's request as its own row.
    expect(ofType(events, 'agent_prompt_rendered')).toHaveLength(1);
    const [completed] = dataOf(events, 'agent_completed');
    expect(completed?.calls).toHaveLength(2);
  });

  it('fails: the step runs once more with the issues as feedback, and that answer is final', async () => {
    const output = '    output:\n      findings: { type: array, items: { type: string } }\n';
    const { result, events, server } = await runAgainst(api, workflow(api, output), [
      api.json({ findings: ['a null check is missing'] }),
      api.json({ passed: false, issues: ['The finding names no file.'] }),
      api.json({ findings: ['src/a.ts: a null check is missing'] }),
    ]);
    expect(result, JSON.stringify(result.error)).toMatchObject({
      status: 'completed',
      output: { findings: ['src/a.ts: a null check is missing'] },
    });
    // Answer, verdict, re-run: the re-run's answer is not graded again.
    expect(server.seen).toHaveLength(3);
    expect(dataOf(events, 'agent_validator_complete')).toEqual([
      expect.objectContaining({ passed: false, issues: ['The finding names no file.'] }),
    ]);
    expect(dataOf(events, 'agent_validation_failed')).toEqual([
      { agent_name: 'review', issues: ['The finding names no file.'], will_retry: true },
    ]);
    // The re-run's prompt, as recorded and as the server got it, has the feedback after the task.
    const prompts = dataOf(events, 'agent_prompt_rendered').map((d) => String(d.rendered_prompt));
    expect(prompts).toHaveLength(2);
    expect(prompts[1]).toMatch(/^Review the diff\.\n\n## Validation feedback\n/);
    expect(prompts[1]).toContain('- The finding names no file.');
    expect(sent(server.seen[2])).toContain('## Validation feedback');
    expect(sent(server.seen[2])).toContain('The finding names no file.');
    expect(sent(server.seen[0])).not.toContain('Validation feedback');

    const types = events.map((e) => e.type);
    const order = [
      'agent_validator_start',
      'agent_validator_complete',
      'agent_validation_failed',
      'agent_completed',
    ].map((type) => types.indexOf(type));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    const [completed] = dataOf(events, 'agent_completed');
    expect(completed?.output).toEqual({ findings: ['src/a.ts: a null check is missing'] });
    expect(completed?.calls).toHaveLength(3);
  });
});
