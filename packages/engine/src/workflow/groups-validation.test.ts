import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { WorkflowIssue } from './errors.js';
import { parseWorkflow, validateWorkflow, validateWorkflowFile } from './load.js';

const head = (entry: string) => `workflow:\n  name: t\n  entry_point: ${entry}\n`;

function issuesOf(source: string): WorkflowIssue[] {
  const result = validateWorkflow(source, { env: {} });
  return result.issues;
}

const messages = (issues: WorkflowIssue[], severity: 'error' | 'warning' = 'error') =>
  issues.filter((issue) => issue.severity === severity).map((issue) => issue.message);

describe('parallel groups', () => {
  const members = `agents:
  - name: web
    prompt: Search the web.
  - name: papers
    prompt: Search papers.
`;

  it('loads a group, with failure_mode and routes, and lets steps route to it', () => {
    const loaded = parseWorkflow(
      `${head('plan')}agents:
  - name: plan
    type: set
    value: 1
    routes:
      - to: research
  - name: web
    prompt: Search the web.
  - name: papers
    prompt: Search papers.
parallel:
  - name: research
    agents: [web, papers]
    failure_mode: all_or_nothing
    routes:
      - to: $end
        when: "{{ research.errors | length == 0 }}"
`,
      { env: {} },
    );
    expect(loaded.definition.parallel).toEqual([
      {
        name: 'research',
        agents: ['web', 'papers'],
        failure_mode: 'all_or_nothing',
        routes: [{ to: '$end', when: '{{ research.errors | length == 0 }}' }],
      },
    ]);
  });

  it('reports a name shared by a step and a group, and groups that list groups', () => {
    const issues = issuesOf(`${head('web')}${members}parallel:
  - name: web
    agents: [web, papers]
  - name: outer
    agents: [web, research]
  - name: research
    agents: [web, papers]
`);
    expect(messages(issues)).toEqual([
      expect.stringContaining('"web" names a parallel group and another step'),
      expect.stringContaining(
        'parallel group "outer" lists "research", which is a group: groups cannot be nested',
      ),
    ]);
    expect(issues.find((issue) => issue.severity === 'error')).toMatchObject({ line: 10, column: 11 });
  });

  it('needs two members, each listed once', () => {
    expect(messages(issuesOf(`${head('g')}${members}parallel:\n  - name: g\n    agents: [web]\n`))).toEqual([
      'parallel group "g": a parallel group needs at least 2 agents',
    ]);
    expect(
      messages(issuesOf(`${head('g')}${members}parallel:\n  - name: g\n    agents: [web, papers, web]\n`)),
    ).toEqual(['parallel group "g" lists "web" twice']);
  });

  it('warns that a member routes are not taken in the group, and when a template reads a non-member', () => {
    const issues = issuesOf(`${head('g')}agents:
  - name: web
    prompt: Search the web.
    routes:
      - to: sum
  - name: papers
    prompt: Search papers.
  - name: sum
    prompt: "{{ g.outputs.papers.result }} {{ g.outputs.paper.result }}"
parallel:
  - name: g
    agents: [web, papers]
    routes:
      - to: sum
`);
    expect(messages(issues)).toEqual([]);
    expect(messages(issues, 'warning')).toEqual([
      expect.stringContaining('step "web" is a member of parallel group "g": its routes are not taken'),
      expect.stringContaining('reads "g.outputs.paper", but "paper" is not a member of parallel group "g"'),
    ]);
  });

  it('reports reading something other than outputs, errors, count or output of a group', () => {
    const issues = issuesOf(`${head('g')}${members}  - name: sum
    prompt: "{{ g.output.outputs.web }} {{ g.result }}"
parallel:
  - name: g
    agents: [web, papers]
    routes:
      - to: sum
`);
    expect(messages(issues)).toEqual([
      'step "sum" (prompt) reads "g.result", but parallel group "g" has outputs and errors',
    ]);
  });

  it('hints that for-each groups are not entries of parallel', () => {
    const issues = issuesOf(`${head('g')}${members}parallel:
  - name: g
    for_each:
      source: x.output.items
      as: item
    agents: [web, papers]
`);
    expect(issues.find((issue) => issue.message.includes('unknown key "for_each"'))?.hint).toContain(
      'top-level "for_each:" list',
    );
  });
});

describe('for-each groups', () => {
  const plan = `agents:
  - name: plan
    type: set
    value: [a, b]
    routes:
      - to: each
`;

  it('loads the original shape with defaults left to the runtime', () => {
    const loaded = parseWorkflow(
      `${head('plan')}${plan}for_each:
  - name: each
    type: for_each
    source: plan.output
    as: item
    key_by: "{{ item }}"
    agent:
      type: set
      value: "{{ item }}-{{ _index }}-{{ _key }}"
`,
      { env: {} },
    );
    expect(loaded.definition.for_each?.[0]).toEqual({
      name: 'each',
      type: 'for_each',
      source: 'plan.output',
      as: 'item',
      key_by: '{{ item }}',
      agent: { type: 'set', value: '{{ item }}-{{ _index }}-{{ _key }}' },
    });
  });

  it('checks the body templates with the item variable, _index and _key in scope', () => {
    const issues = issuesOf(`${head('plan')}${plan}for_each:
  - name: each
    type: for_each
    source: plan.output
    as: item
    key_by: itm.id
    agent:
      prompt: "{{ item }} {{ _index }} {{ _key }} {{ iten }}"
`);
    expect(messages(issues)).toEqual([
      'for-each group "each" (key_by) references "itm", which is neither a step nor a variable',
      'for-each group "each" (prompt) references "iten", which is neither a step nor a variable',
    ]);
    expect(issues.find((i) => i.message.includes('"iten"'))?.hint).toContain('Did you mean "item"?');
  });

  it('reports routes on the body, a missing type, and an invalid item name', () => {
    const issues = issuesOf(`${head('plan')}${plan}for_each:
  - name: each
    source: plan.output
    as: 2nd
    agent:
      type: set
      value: 1
      routes:
        - to: $end
`);
    expect(messages(issues)).toEqual([
      'for-each group "each" is missing the required key "type"',
      'for-each group "each": the item variable "2nd" is not a valid name',
      'unknown key "routes" in for-each group "each" (agent)',
    ]);
    expect(issues.find((i) => i.message.includes('"routes"'))?.hint).toContain('put them on the group');
  });

  it('reports a source that reads the group itself or is not a path', () => {
    const issues = issuesOf(`${head('plan')}${plan}for_each:
  - name: each
    type: for_each
    source: each.outputs
    as: item
    agent: { type: set, value: 1 }
  - name: other
    type: for_each
    source: plan.output +
    as: item
    agent: { type: set, value: 1 }
`);
    expect(messages(issues)).toEqual([
      'for-each group "each" reads its list from itself ("each.outputs")',
      'for-each group "other": source "plan.output +" is not a dotted path',
    ]);
  });

  it('reports unknown step types in the body and terminate bodies', () => {
    const issues = issuesOf(`${head('plan')}${plan}for_each:
  - name: each
    type: for_each
    source: plan.output
    as: item
    agent: { type: sett, value: 1 }
  - name: stop
    type: for_each
    source: plan.output
    as: item
    agent: { type: terminate }
`);
    expect(messages(issues)).toEqual([
      'for-each group "each" has a body of unknown type "sett"',
      expect.stringContaining('a terminate step cannot be the body of a for-each group'),
    ]);
  });
});

describe('human gates', () => {
  it('loads options with route, prompt_for and multiline', () => {
    const loaded = parseWorkflow(
      `${head('ask')}agents:
  - name: ask
    type: human_gate
    prompt: "## Ship it?"
    options:
      - { label: Ship, value: ship, route: $end }
      - { label: Revise, value: revise, route: ask, prompt_for: feedback, multiline: true }
`,
      { env: {} },
    );
    expect(loaded.definition.agents[0]).toMatchObject({
      type: 'human_gate',
      options: [
        { label: 'Ship', value: 'ship', route: '$end' },
        { label: 'Revise', value: 'revise', route: 'ask', prompt_for: 'feedback', multiline: true },
      ],
    });
  });

  it('reports a gate without options or prompt, duplicate values, and options on other steps', () => {
    const issues = issuesOf(`${head('ask')}agents:
  - name: ask
    type: human_gate
    options:
      - { label: A, value: a }
      - { label: B, value: a }
  - name: none
    type: human_gate
    prompt: Hi
  - name: agent
    prompt: Hi
    options: []
`);
    expect(messages(issues)).toEqual([
      'step "ask" is missing the required key "prompt"',
      'step "ask": options 1 and 2 have the same value "a"',
      'step "none" is missing the required key "options"',
      'unknown key "options" in step "agent"',
    ]);
    expect(issues.find((i) => i.message.includes('unknown key "options"'))?.hint).toContain(
      'belongs to human_gate steps',
    );
  });

  it('counts option routes for reachability', () => {
    const issues = issuesOf(`${head('ask')}agents:
  - name: ask
    type: human_gate
    prompt: Go?
    options:
      - { label: Go, value: go, route: work }
  - name: work
    type: set
    value: 1
`);
    expect(issues).toEqual([]);
  });
});

describe('sub-workflows', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const child = `${head('s')}  input:
    topic: { type: string }
    depth: { type: integer, default: 1 }
agents:
  - name: s
    type: set
    value: "{{ workflow.input.topic }}"
`;

  it('checks input_mapping against the child inputs: unknown names and missing required ones', async () => {
    dir = mkdtempSync(join(tmpdir(), 'conductor-sub-'));
    write('child.yaml', child);
    const parent = write(
      'parent.yaml',
      `${head('a')}agents:
  - name: a
    type: workflow
    workflow: child.yaml
    input_mapping:
      topc: "x"
`,
    );
    const result = await validateWorkflowFile(parent, { env: {} });
    expect(messages(result.issues)).toEqual([
      'step "a": sub-workflow child.yaml has no input "topc"',
      'step "a": sub-workflow child.yaml requires input "topic", which input_mapping does not give',
    ]);
    expect(result.issues.find((i) => i.message.includes('"topc"'))).toMatchObject({ line: 9, column: 7 });
  });

  it('reports a cycle through two files and an invalid child, at the parent step', async () => {
    dir = mkdtempSync(join(tmpdir(), 'conductor-sub-'));
    write('b.yaml', `${head('x')}agents:\n  - name: x\n    type: workflow\n    workflow: ./a.yaml\n`);
    const a = write(
      'a.yaml',
      `${head('y')}agents:\n  - name: y\n    type: workflow\n    workflow: ./b.yaml\n`,
    );
    const cyclic = await validateWorkflowFile(a, { env: {} });
    expect(messages(cyclic.issues)).toEqual([
      expect.stringMatching(
        /^step "y": sub-workflow \.\/b\.yaml is invalid \(1 error\): .*b\.yaml:7:15: step "x": sub-workflow cycle: a\.yaml → b\.yaml → a\.yaml$/,
      ),
    ]);
    write('broken.yaml', `${head('z')}agents:\n  - name: z\n    type: sett\n`);
    const parent = write(
      'p.yaml',
      `${head('p')}agents:\n  - name: p\n    type: workflow\n    workflow: broken.yaml\n`,
    );
    const invalid = await validateWorkflowFile(parent, { env: {} });
    expect(messages(invalid.issues)).toEqual([
      expect.stringContaining('step "p": sub-workflow broken.yaml is invalid (1 error): '),
    ]);
    expect(invalid.issues[0]).toMatchObject({ file: parent, line: 7, column: 15 });
  });

  it('rejects registry references and a max_depth above 10', () => {
    const issues = issuesOf(`${head('a')}agents:
  - name: a
    type: workflow
    workflow: qa-bot@team#v1.2.3
    max_depth: 11
`);
    expect(messages(issues)).toEqual([
      expect.stringContaining('"qa-bot@team#v1.2.3" is a workflow registry reference'),
      'step "a": max_depth must be at most 10 (got 11)',
    ]);
  });
});
