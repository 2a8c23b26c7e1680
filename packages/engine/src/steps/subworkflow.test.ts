import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ConductorEvent, projectEvents, validateEventData } from '@conductor/events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GateRequest } from '../gates/broker.js';
import { runWorkflow } from '../launch/run-workflow.js';
import { find, typesOf, workflowOf } from '../testing/support.js';
import { loadWorkflow, validateWorkflow } from '../workflow/load.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'conductor-subworkflow-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

async function run(path: string, options: Parameters<typeof runWorkflow>[1] = {}) {
  const handle = runWorkflow(await loadWorkflow(path, { env: {} }), { eventLog: false, ...options });
  const events: ConductorEvent[] = [];
  for await (const event of handle.events) events.push(event);
  return { result: await handle, events };
}

const child = `workflow:
  name: child
  entry_point: summary
  input:
    topic: { type: string }
    depth: { type: integer, default: 1 }
agents:
  - name: summary
    type: set
    value: "{{ workflow.input.topic }} x{{ workflow.input.depth }}"
    routes:
      - to: $end
output:
  summary: "{{ summary.output }}"
`;

/** A workflow `parent` with these string inputs whose entry point `research` runs a sub-workflow: `rest` follows `type: workflow`. */
const parentYaml = (inputs: string[], rest: string) =>
  `workflow:\n  name: parent\n  entry_point: research\n  input:\n${inputs.map((name) => `    ${name}: { type: string }\n`).join('')}` +
  `agents:\n  - name: research\n    type: workflow\n${rest}`;

describe('sub-workflows', () => {
  it("inherits the run's provider and default model, and validate checks the child with them", async () => {
    write(
      'agent-child.yaml',
      `workflow:
  name: agent-child
  entry_point: w
agents:
  - name: w
    prompt: hi
    reasoning: { effort: max }
`,
    );
    const parent = write(
      'provider-parent.yaml',
      `workflow:
  name: provider-parent
  entry_point: c
  runtime: { provider: mock, default_model: m1 }
agents:
  - name: c
    type: workflow
    workflow: agent-child.yaml
`,
    );
    const { result, events } = await run(parent);
    expect(result.status).toBe('completed');
    expect(find(events, 'agent_completed').data).toMatchObject({ agent_name: 'w', model: 'm1' });

    // openai takes effort up to high: the child is checked as if it named openai itself.
    writeFileSync(parent, readFileSync(parent, 'utf8').replace('provider: mock', 'provider: openai'));
    const validation = validateWorkflow(parent, { env: {} });
    expect(validation.ok).toBe(false);
    if (validation.ok) return;
    expect(validation.errors[0]?.message).toMatch(/agent-child\.yaml:\d+:\d+: .*max/);
  });

  it('runs the child with input_mapping; its events carry subworkflow_path; its output is the step output', async () => {
    write('child.yaml', child);
    const parent = write(
      'parent.yaml',
      parentYaml(
        ['topic'],
        `    workflow: ./child.yaml
    input_mapping:
      topic: "{{ workflow.input.topic | upper }}"
      depth: "{{ 2 + 1 }}"
    routes:
      - to: write
  - name: write
    type: set
    value: "Article on {{ research.output.summary }}"
`,
      ),
    );
    const { result, events } = await run(parent, { inputs: { topic: 'owls' } });
    expect(result.status).toBe('completed');
    expect(result.output).toBe('Article on OWLS x3');
    for (const event of events) expect(validateEventData(event.type, event.data)).toEqual({ ok: true });
    expect(typesOf(events)).toEqual([
      'workflow_started',
      'subworkflow_started',
      'workflow_started',
      'set_started',
      'set_completed',
      'route_taken',
      'workflow_completed',
      'subworkflow_completed',
      'route_taken',
      'set_started',
      'set_completed',
      'route_taken',
      'workflow_completed',
    ]);
    const paths = events.map((e) => e.data.subworkflow_path ?? null);
    expect(paths).toEqual([null, null, ...Array(5).fill(['research']), null, null, null, null, null, null]);
    expect(find(events, 'subworkflow_started').data).toMatchObject({
      agent_name: 'research',
      workflow: './child.yaml',
      workflow_path: join(dir, 'child.yaml'),
      parent_path: [],
    });
    expect(events[2]?.data).toMatchObject({
      name: 'child',
      inputs: { topic: 'OWLS', depth: 3 },
      yaml_source: join(dir, 'child.yaml'),
    });
    expect(find(events, 'subworkflow_completed').data).toMatchObject({
      agent_name: 'research',
      output: { summary: 'OWLS x3' },
    });

    const state = projectEvents(events);
    expect(state.run).toMatchObject({ name: 'parent', status: 'completed' });
    expect(state.steps['research/summary']).toMatchObject({
      name: 'summary',
      subworkflow_path: ['research'],
      status: 'completed',
    });
    expect(state.steps.research?.status).toBe('completed');
  });

  it('without input_mapping passes on the inputs the child declares', async () => {
    write('child.yaml', child);
    const parent = write('parent.yaml', parentYaml(['topic', 'other'], '    workflow: child.yaml\n'));
    const { result, events } = await run(parent, { inputs: { topic: 'bees', other: 'x' } });
    expect(result.output).toEqual({ summary: 'bees x1' });
    expect(events[2]?.data.inputs).toEqual({ topic: 'bees', depth: 1 });
  });

  it("checks the child's final output against the step's output constraints", async () => {
    write('child.yaml', child);
    const parent = write(
      'parent.yaml',
      parentYaml(
        ['topic'],
        '    workflow: child.yaml\n    output:\n      summary: { type: string, pattern: "^[a-z]+ x\\\\d$", maxLength: 8 }\n',
      ),
    );
    expect((await run(parent, { inputs: { topic: 'bees' } })).result.status).toBe('completed');
    const { result } = await run(parent, { inputs: { topic: 'Wasps' } });
    expect(result.error).toMatchObject({ type: 'OutputValidationError', step: 'research' });
    expect(result.error?.message).toContain(
      'field "summary" must match the pattern "^[a-z]+ x\\\\d$", got the string "Wasps x1"',
    );
  });

  it('nests: a grandchild has both parent names in subworkflow_path; max_depth limits the nesting', async () => {
    write('c.yaml', child);
    write(
      'b.yaml',
      `workflow:\n  name: b\n  entry_point: to_c\n  input:\n    topic: { type: string }\nagents:\n  - name: to_c\n    type: workflow\n    workflow: c.yaml\n`,
    );
    const a = write(
      'a.yaml',
      `workflow:\n  name: a\n  entry_point: to_b\nagents:\n  - name: to_b\n    type: workflow\n    workflow: b.yaml\n    input_mapping: { topic: deep }\n`,
    );
    const { result, events } = await run(a);
    expect(result.output).toEqual({ summary: 'deep x1' });
    expect(find(events, 'set_completed').data.subworkflow_path).toEqual(['to_b', 'to_c']);
    expect(events.filter((e) => e.type === 'subworkflow_started').map((e) => e.data.parent_path)).toEqual([
      [],
      ['to_b'],
    ]);

    write(
      'b.yaml',
      `workflow:\n  name: b\n  entry_point: to_c\n  input:\n    topic: { type: string }\nagents:\n  - name: to_c\n    type: workflow\n    workflow: c.yaml\n    max_depth: 1\n`,
    );
    const limited = await run(a);
    expect(limited.result.status).toBe('failed');
    expect(limited.result.error?.type).toBe('SubworkflowDepthExceeded');
    expect(find(limited.events, 'subworkflow_failed').data).toMatchObject({
      agent_name: 'to_c',
      subworkflow_path: ['to_b'],
      error_type: 'SubworkflowDepthExceeded',
      message: expect.stringContaining('at depth 2, deeper than its max_depth of 1'),
    });
  });

  it('stops at the hard limit of 10 levels', async () => {
    write(
      'f11.yaml',
      `workflow:\n  name: f11\n  entry_point: leaf\nagents:\n  - name: leaf\n    type: set\n    value: 1\n`,
    );
    for (let i = 10; i >= 0; i--) {
      write(
        `f${i}.yaml`,
        `workflow:\n  name: f${i}\n  entry_point: s${i}\nagents:\n  - name: s${i}\n    type: workflow\n    workflow: f${i + 1}.yaml\n`,
      );
    }
    const { result, events } = await run(join(dir, 'f0.yaml'));
    expect(result.status).toBe('failed');
    expect(result.error?.type).toBe('SubworkflowDepthExceeded');
    expect(events.filter((e) => e.type === 'subworkflow_started')).toHaveLength(11);
    expect(result.error?.message).toContain(
      'depth 11, deeper than its max_depth of 10 (the most conductor allows)',
    );
  });

  it('detects a cycle at run time (a workflow built in code that runs its own file)', async () => {
    const path = join(dir, 'self.yaml');
    const self = workflowOf([{ name: 'again', type: 'workflow', workflow: './self.yaml' }], {}, { path });
    const result = await runWorkflow(self, { eventLog: false });
    expect(result.error).toMatchObject({ type: 'SubworkflowCycle', step: 'again' });
    expect(result.error?.message).toContain('self.yaml → self.yaml');
  });

  it('a failed child fails the step (subworkflow_failed) with its error; a failed terminate is SubworkflowTerminated', async () => {
    write(
      'bad.yaml',
      `workflow:\n  name: bad\n  entry_point: x\nagents:\n  - name: x\n    type: script\n    command: node\n    args: ["-e", "process.exit(3)"]\n    routes:\n      - to: $end\n        when: exit_code == 0\n`,
    );
    const parent = write(
      'p.yaml',
      `workflow:\n  name: p\n  entry_point: s\nagents:\n  - name: s\n    type: workflow\n    workflow: bad.yaml\n`,
    );
    const failed = await run(parent);
    expect(failed.result.status).toBe('failed');
    expect(failed.result.error?.type).toBe('ScriptFailed');
    expect(failed.result.error?.message).toContain('sub-workflow bad.yaml failed at step "x"');
    expect(find(failed.events, 'subworkflow_failed').data).toMatchObject({
      agent_name: 's',
      error_type: 'ScriptFailed',
    });
    // The child's end is its own: the projection keeps the root run's status from the root's events.
    expect(projectEvents(failed.events).run.status).toBe('failed');

    write(
      'bad.yaml',
      `workflow:\n  name: bad\n  entry_point: x\nagents:\n  - name: x\n    type: terminate\n    status: failed\n    reason: nope\n`,
    );
    const terminated = await run(parent);
    expect(terminated.result.error?.type).toBe('SubworkflowTerminated');
  });

  it('runs once per item as a for-each body, each under its own item name', async () => {
    write('child.yaml', child);
    const parent = write(
      'p.yaml',
      `workflow:
  name: p
  entry_point: each
  input:
    topics: { type: array }
agents:
  - name: unused
    type: set
    value: 0
for_each:
  - name: each
    type: for_each
    source: workflow.input.topics
    as: t
    agent:
      type: workflow
      workflow: child.yaml
      input_mapping:
        topic: "{{ t }}"
`,
    );
    const { result, events } = await run(parent, { inputs: { topics: ['a', 'b'] } });
    expect(result.output).toMatchObject({ outputs: [{ summary: 'a x1' }, { summary: 'b x1' }], count: 2 });
    // The two children run at once: their events interleave in any order, each under its item's name.
    const byItem = Object.fromEntries(
      events
        .filter((e) => e.type === 'set_completed')
        .map((e) => [(e.data.subworkflow_path as string[]).join('/'), e.data.output]),
    );
    expect(byItem).toEqual({ 'each[0]': 'a x1', 'each[1]': 'b x1' });
  });

  it('asks about a gate in a child with its path, and answers it by its parent/step key', async () => {
    write(
      'gated.yaml',
      `workflow:\n  name: gated\n  entry_point: ok\nagents:\n  - name: ok\n    type: human_gate\n    prompt: Go?\n    options:\n      - { label: Go, value: go }\n      - { label: Stop, value: stop }\n`,
    );
    const parent = write(
      'p.yaml',
      `workflow:\n  name: p\n  entry_point: inner\nagents:\n  - name: inner\n    type: workflow\n    workflow: gated.yaml\n`,
    );
    const requests: GateRequest[] = [];
    const handle = runWorkflow(await loadWorkflow(parent, { env: {} }), {
      eventLog: false,
      gates: {
        answer: (request) => {
          requests.push(request);
          return new Promise(() => {});
        },
      },
    });
    for await (const event of handle.events) {
      if (event.type === 'gate_presented') {
        expect(event.data.subworkflow_path).toEqual(['inner']);
        expect(handle.answerGate('inner/ok', 'stop')).toBe(true);
      }
    }
    const result = await handle;
    expect(result.output).toMatchObject({ value: 'stop' });
    expect(requests[0]).toMatchObject({ step: 'ok', key: 'inner/ok', subworkflowPath: ['inner'] });
  });
});
