import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConductorEvent } from '@conductor/events';
import { describe, expect, it } from 'vitest';
import { runWorkflow } from '../launch/run-workflow.js';
import { find, typesOf } from '../testing/support.js';
import { WorkflowError } from '../workflow/errors.js';
import { InputError } from '../workflow/inputs.js';
import { parseWorkflow } from '../workflow/load.js';

const REVIEW_LOOP = `
workflow:
  name: review-loop
  entry_point: draft
  runtime:
    provider: mock
  limits:
    max_iterations: 8
  input:
    topic: { type: string }
agents:
  - name: draft
    prompt: "Write about {{ workflow.input.topic }} (round {{ context.iteration }})"
    routes:
      - to: review
  - name: review
    prompt: "Review {{ draft.output.result }}"
    output:
      score: { type: integer }
      approved: { type: boolean }
    routes:
      - to: publish
        when: score >= 8 and approved
      - to: draft
        when: "{{ review.output.score < 8 or not review.output.approved }}"
  - name: publish
    type: script
    command: node
    args: ["-e", "console.log(JSON.stringify({url: 'https://x/' + process.argv[1]}))", "{{ workflow.input.topic }}"]
output:
  url: "{{ publish.output.url }}"
  rounds: "{{ context.iteration }}"
`;

async function collect(run: ReturnType<typeof runWorkflow>): Promise<ConductorEvent[]> {
  const events: ConductorEvent[] = [];
  for await (const event of run.events) events.push(event);
  return events;
}

describe('workflows written in YAML', () => {
  it('loops on a routed review until it passes, then publishes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'conductor-yaml-'));
    const path = join(dir, 'review.yaml');
    await writeFile(path, REVIEW_LOOP);
    const responses = join(dir, 'responses.yaml');
    await writeFile(
      responses,
      'review:\n  - output: { score: 5, approved: false }\n  - output: { score: 9, approved: false }\n  - output: { score: 9, approved: true }\n',
    );
    const run = runWorkflow(path, { inputs: { topic: 'owls' }, mockResponses: responses });
    const events = await collect(run);
    const result = await run;
    expect(result).toMatchObject({
      status: 'completed',
      output: { url: 'https://x/owls', rounds: 7 },
      iterations: 7,
    });
    const route = (e: ConductorEvent) => `${e.data.from_agent}->${e.data.to_agent}`;
    expect(events.filter((e) => e.type === 'route_taken').map(route)).toEqual([
      'draft->review',
      'review->draft',
      'draft->review',
      'review->draft',
      'draft->review',
      'review->publish',
      'publish->$end',
    ]);
    const prompts = events.filter((e) => e.type === 'agent_prompt_rendered' && e.data.agent_name === 'draft');
    expect(prompts.map((e) => e.data.rendered_prompt)).toEqual([
      'Write about owls (round 1)',
      'Write about owls (round 3)',
      'Write about owls (round 5)',
    ]);
    expect(find(events, 'workflow_started').data.yaml_source).toBe(path);
  });

  it('runs a parsed workflow with terminate and set steps', async () => {
    const workflow = parseWorkflow(`
workflow:
  name: gate
  entry_point: classify
agents:
  - name: classify
    type: set
    values:
      severity: "{{ workflow.input.severity }}"
      urgent: "{{ workflow.input.severity == 'high' }}"
    routes:
      - to: stop
        when: urgent
      - to: calm
  - name: stop
    type: terminate
    status: failed
    reason: "severity {{ classify.output.severity }}"
  - name: calm
    type: set
    value: ok
`);
    const failed = await runWorkflow(workflow, { inputs: { severity: 'high' } });
    expect(failed).toMatchObject({
      status: 'failed',
      error: { type: 'WorkflowTerminated', message: 'severity high' },
    });
    const calm = await runWorkflow(workflow, { inputs: { severity: 'low' } });
    expect(calm).toMatchObject({ status: 'completed', output: 'ok' });
  });

  it('rejects an invalid workflow file and invalid inputs before emitting anything', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'conductor-yaml-'));
    const bad = join(dir, 'bad.yaml');
    await writeFile(
      bad,
      'workflow:\n  name: x\n  entry_point: nowhere\nagents:\n  - name: a\n    type: set\n    value: 1\n',
    );
    const invalid = runWorkflow(bad);
    await expect(invalid.result).rejects.toBeInstanceOf(WorkflowError);
    await expect(collect(invalid)).rejects.toBeInstanceOf(WorkflowError);

    const good = join(dir, 'good.yaml');
    await writeFile(good, REVIEW_LOOP);
    const missingInput = runWorkflow(good, {});
    await expect(missingInput.result).rejects.toBeInstanceOf(InputError);
    const fine = runWorkflow(good, {
      inputs: { topic: 't' },
      mockResponses: { review: { output: { score: 9, approved: true } } },
    });
    expect(typesOf(await collect(fine)).at(-1)).toBe('workflow_completed');
  });
});
