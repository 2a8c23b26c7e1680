// biome-ignore-all lint/suspicious/noTemplateCurlyInString: workflow sources here use ${VAR} substitution.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { substituteEnv } from './env.js';
import { WorkflowError, type WorkflowIssue } from './errors.js';
import { parseWorkflow, validateWorkflow, workflowPosition } from './load.js';

/** Issues as `line:column severity message` for compact assertions. */
function issuesOf(source: string, env: Record<string, string> = {}): string[] {
  const result = validateWorkflow(source, { env });
  return result.issues.map(
    (issue: WorkflowIssue) => `${issue.line}:${issue.column} ${issue.severity} ${issue.message}`,
  );
}

const base = (agents: string, settings = '') => `workflow:
  name: test
  entry_point: a
${settings}agents:
${agents}`;

describe('${VAR} substitution', () => {
  it('substitutes variables and defaults inside values', () => {
    const source = `workflow:
  name: \${NAME:-fallback-name}
  entry_point: a
  runtime:
    default_model: "\${MODEL}"
    provider: \${PROVIDER:-}
agents:
  - name: a
    prompt: "key=\${KEY}, other=\${OTHER:-x:y}"
`;
    const loaded = parseWorkflow(source, { env: { MODEL: 'gpt-4o', KEY: 'k1' } });
    expect(loaded.definition.workflow.name).toBe('fallback-name');
    expect(loaded.definition.workflow.runtime).toEqual({ default_model: 'gpt-4o', provider: '' });
    expect(loaded.definition.agents[0]).toMatchObject({ prompt: 'key=k1, other=x:y' });
  });

  it('reads an unquoted substituted number or boolean as such, as if substituted before parsing', () => {
    const source = base(
      '  - name: a\n    prompt: hi\n',
      '  limits:\n    max_iterations: ${MAX:-7}\n  runtime:\n    checkpoint:\n      every_agent: ${EVERY}\n',
    );
    const loaded = parseWorkflow(source, { env: { EVERY: 'true' } });
    expect(loaded.definition.workflow.limits?.max_iterations).toBe(7);
    expect(loaded.definition.workflow.runtime?.checkpoint?.every_agent).toBe(true);
  });

  it('keeps quoted substitutions as strings', () => {
    const source = base('  - name: a\n    prompt: "${COUNT}"\n');
    expect(parseWorkflow(source, { env: { COUNT: '42' } }).definition.agents[0]).toMatchObject({
      prompt: '42',
    });
  });

  it('resolves variables whose values contain variables', () => {
    expect(substituteEnv('${A}', { A: '${B}-x', B: 'b' }, () => {})).toBe('b-x');
  });

  it('reports each unset variable without a default at its own line and column', () => {
    const source = `workflow:
  name: test
  entry_point: a
agents:
  - name: a
    model: \${MODEL_NAME}
    prompt: |
      Use \${FIRST} and
        then \${SECOND:-ok} and \${THIRD}.
`;
    expect(issuesOf(source)).toEqual([
      '6:12 error environment variable "MODEL_NAME" is not set',
      '8:11 error environment variable "FIRST" is not set',
      '9:32 error environment variable "THIRD" is not set',
    ]);
  });

  it('uses process.env by default', () => {
    process.env.CONDUCTOR_LOAD_TEST_VALUE = 'from-process';
    try {
      const loaded = parseWorkflow(base('  - name: a\n    prompt: ${CONDUCTOR_LOAD_TEST_VALUE}\n'));
      expect(loaded.definition.agents[0]).toMatchObject({ prompt: 'from-process' });
    } finally {
      delete process.env.CONDUCTOR_LOAD_TEST_VALUE;
    }
  });

  it('does not touch ${{ }} or $VAR without braces', () => {
    const loaded = parseWorkflow(base('  - name: a\n    prompt: "cost $5 and ${{ 1 }} and $HOME"\n'), {
      env: {},
    });
    expect(loaded.definition.agents[0]).toMatchObject({ prompt: 'cost $5 and ${{ 1 }} and $HOME' });
  });
});

describe('parseWorkflow', () => {
  it('hashes the source before substitution', () => {
    const source = base('  - name: a\n    prompt: ${P:-hi}\n');
    const loaded = parseWorkflow(source, { env: {} });
    expect(loaded.source).toBe(source);
    expect(loaded.hash).toBe(createHash('sha256').update(source).digest('hex'));
    expect(loaded.path).toBeUndefined();
  });

  it('throws a WorkflowError listing every error', () => {
    const source = base(`  - name: a
    prompt: "{{ nope.output }}"
    routes:
      - to: b
  - name: a
    type: wait
    duration: soon
`);
    let error: unknown;
    try {
      parseWorkflow(source, { env: {}, path: 'flows/x.yaml' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WorkflowError);
    const workflowError = error as WorkflowError;
    expect(workflowError.code).toBe('CONDUCTOR_WORKFLOW_INVALID');
    expect(workflowError.issues.filter((issue) => issue.severity === 'error')).toHaveLength(4);
    expect(workflowError.message).toMatch(/^workflow flows\/x\.yaml is invalid \(4 errors\):\n/);
    expect(workflowError.message).toContain(
      'flows/x.yaml:6:17 error: step "a" (prompt) references "nope", which is not a step.',
    );
    expect(workflowError.message).toContain(
      'flows/x.yaml:8:13 error: route of step "a" goes to "b", which is not a step.',
    );
    expect(workflowError.message).toContain(
      'flows/x.yaml:9:11 error: step name "a" is used by more than one step.',
    );
    expect(workflowError.message).toContain(
      'flows/x.yaml:11:15 error: step "a": duration "soon" is not valid',
    );
  });

  it('passes warnings to onWarning', () => {
    const warnings: WorkflowIssue[] = [];
    parseWorkflow(base('  - name: a\n    prompt: hi\n  - name: lonely\n    prompt: hi\n'), {
      env: {},
      onWarning: (w) => warnings.push(w),
    });
    expect(warnings.map((w) => `${w.line}:${w.column} ${w.message}`)).toEqual([
      '7:11 step "lonely" is never reached from the entry point "a"',
    ]);
  });
});

describe('workflowPosition', () => {
  it('finds the line and column of a step field for runtime errors', () => {
    const loaded = parseWorkflow(
      base('  - name: a\n    prompt: |\n      Hello\n    routes: [{ to: $end }]\n'),
      { env: {} },
    );
    expect(workflowPosition(loaded, ['agents', 0, 'prompt'])).toEqual({ line: 6, column: 13 });
    expect(workflowPosition(loaded, ['agents', 0, 'routes', 0, 'to'])).toEqual({ line: 8, column: 20 });
    expect(workflowPosition(loaded, ['agents', 3])).toBeUndefined();
  });
});

describe('validateWorkflow', () => {
  it('accepts a loaded workflow to check again', () => {
    const loaded = parseWorkflow(base('  - name: a\n    prompt: hi\n'), { env: {} });
    const result = validateWorkflow(loaded);
    expect(result.ok).toBe(true);
  });

  it('reports an empty file and a file that is not a mapping', () => {
    expect(issuesOf('')).toEqual(['1:1 error the workflow file is empty']);
    expect(issuesOf('- a\n- b\n')).toEqual([
      '1:1 error a workflow file must be a mapping with "workflow:" and "agents:" sections',
    ]);
  });

  it('reports every unknown key, not only the first, with hints', () => {
    const result = validateWorkflow(
      `workflow:
  name: t
  entry_point: a
  limts: {}
agents:
  - name: a
    prompt: hi
    tempurature: 0.5
    routes:
      - to: $end
        wen: "{{ true }}"
`,
      { env: {} },
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => `${e.line}:${e.column} ${e.message} | ${e.hint}`)).toEqual([
      '4:3 unknown key "limts" in "workflow" | Did you mean "limits"?',
      '8:5 unknown key "tempurature" in step "a" | Did you mean "temperature"?',
      '11:9 unknown key "wen" in step "a" (routes[0]) | Did you mean "when"?',
    ]);
  });

  it('says which step type a misplaced key belongs to', () => {
    const result = validateWorkflow(base('  - name: a\n    prompt: hi\n    command: make\n'), { env: {} });
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.errors[0]?.hint).toContain('"command" belongs to script steps; set "type: script"');
  });

  it('accepts hooks, and warns once about each provider-only key, naming why it has no effect', () => {
    const source = base(
      '  - name: a\n    prompt: hi\n    session_key: shared\n    output:\n      score:\n        type: number\n        minimum: 0\n',
      '  hooks:\n    on_start: "{{ x }}"\n',
    );
    expect(issuesOf(`${source}  - name: b\n    prompt: hi\n    session_key: other\n`)).toEqual([
      '9:5 warning "session_key" has no effect in this version of conductor: shared sessions belong to the claude-agent-sdk provider',
      '14:11 warning step "b" is never reached from the entry point "a"',
    ]);
  });

  it('reports wrong types and bad enum values with suggestions', () => {
    const result = validateWorkflow(
      base('  - name: a\n    prompt: hi\n    temperature: hot\n', '  context:\n    mode: acumulate\n'),
      { env: {} },
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => `${e.line}:${e.column} ${e.message} | ${e.hint ?? ''}`)).toEqual([
      '5:11 "workflow.context.mode" must be one of "accumulate", "last_only", "explicit", not the string "acumulate" | Did you mean "accumulate"?',
      '9:18 step "a" (temperature) must be a number, not the string "hot" | ',
    ]);
  });

  it('checks references in when conditions against the step output fields', () => {
    const source = base(`  - name: a
    prompt: hi
    output:
      score: { type: number }
      approved: { type: boolean }
    routes:
      - to: b
        when: score >= 8 and approved and context.iteration < 3
      - to: b
        when: "{{ output.score > 2 and a.output.scor > 1 }}"
      - to: $end
  - name: b
    prompt: hi
    routes:
      - to: $end
        when: anything_goes and whatever
      - to: $end
        when: ghost.output.flag
`);
    expect(issuesOf(source)).toEqual([
      '14:40 warning step "a" (routes[1].when) reads "a.output.scor", but step "a" does not declare a field "scor"',
      '22:15 error step "b" (routes[1].when) references "ghost", which is not a step',
    ]);
  });

  it('checks templates in every templated field', () => {
    const source = base(`  - name: a
    type: script
    command: "{{ c1 }}"
    args: ["{{ c2 }}"]
    env: { X: "{{ c3 }}" }
    stdin: "{{ c4 }}"
    routes:
      - to: s
        output: { r: "{{ c5 }}" }
  - name: s
    type: set
    values:
      deep: ["{{ c6 }}"]
    routes: [{ to: t }]
  - name: t
    type: terminate
    reason: "{{ c7 }}"
    output_template: { x: "{{ c8 }}" }
`);
    const names = issuesOf(source).map((line) => /references "(\w+)"/.exec(line)?.[1]);
    expect(names).toEqual(['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8']);
  });

  it('checks workflow and context references', () => {
    const source = base(
      '  - name: a\n    prompt: "{{ workflow.nmae }} {{ workflow.input.anything }} {{ context.iteration }} {{ a.outptu }}"\n',
    );
    expect(issuesOf(source)).toEqual([
      '6:17 error step "a" (prompt) reads "workflow.nmae", which does not exist',
      '6:91 error step "a" (prompt) reads "a.outptu", but a step\'s result is "a.output"',
    ]);
  });

  it('warns about routes after an unconditional route and rejects routes on terminate steps', () => {
    const source = base(`  - name: a
    prompt: hi
    routes:
      - to: t
      - to: $end
  - name: t
    type: terminate
    routes:
      - to: a
`);
    expect(issuesOf(source)).toEqual([
      '9:9 warning route 2 of step "a" is never taken: route 1 has no "when" and always matches',
      '13:7 error step "t" is a terminate step, which ends the workflow: its routes would never be taken',
    ]);
  });

  it('rejects reserved step names and bad wait durations', () => {
    const source = base(`  - name: a
    prompt: hi
    routes: [{ to: $end }]
  - name: workflow
    type: wait
    duration: 0s
  - name: w2
    type: wait
    duration: 25h
`);
    const errors = issuesOf(source).filter((line) => line.includes(' error '));
    expect(errors).toEqual([
      '8:11 error "workflow" cannot be a step name: it is reserved',
      '10:15 error step "workflow": the wait duration must be more than 0',
      '13:15 error step "w2": the wait duration must be at most 24h',
    ]);
  });

  it('checks the input list of explicit context mode', () => {
    const source = base(
      '  - name: a\n    prompt: "{{ b.output }} {{ workflow.input.topic }}"\n    input: [workflow.input.topc, bb.output, workflow.name]\n    routes: [{ to: b }]\n  - name: b\n    prompt: hi\n',
      '  input:\n    topic: { type: string }\n  context:\n    mode: explicit\n',
    );
    expect(issuesOf(source)).toEqual([
      '10:17 warning step "a" (prompt) reads "b.output", but context.mode is explicit and the step\'s "input" does not list it',
      '10:32 warning step "a" (prompt) reads "workflow.input.topic", but context.mode is explicit and the step\'s "input" does not list it',
      '11:13 error step "a": input "workflow.input.topc" refers to workflow input "topc", which is not declared',
      '11:34 error step "a": input "bb.output" refers to "bb", which is not a step',
      '11:45 error step "a": input "workflow.name" must be workflow.input.<name> or <step>.output[.<field>]',
    ]);
  });

  it('reports YAML errors as CONDUCTOR_WORKFLOW_YAML', () => {
    const result = validateWorkflow('workflow:\n  name: a\n   bad: indent\n', { env: {} });
    expect(result.ok ? 'ok' : result.code).toBe('CONDUCTOR_WORKFLOW_YAML');
    expect(issuesOf('workflow: {}\nworkflow: {}\n')).toEqual([
      '2:1 error YAML syntax error: Map keys must be unique',
    ]);
  });

  it('accepts anchors and merge keys', () => {
    const source = `workflow:
  name: t
  entry_point: a
x-common: &common
  prompt: shared
agents:
  - name: a
    <<: *common
`;
    // Unknown top-level keys are still errors, even when used for anchors.
    expect(issuesOf(source)).toEqual(['4:1 error unknown key "x-common" at the top level']);
    const merged = `workflow:
  name: t
  entry_point: a
agents:
  - &first
    name: a
    prompt: shared
    routes: [{ to: b }]
  - <<: *first
    name: b
    routes: [{ to: $end }]
`;
    expect(validateWorkflow(merged, { env: {} }).ok).toBe(true);
  });
});

describe('templated conditions', () => {
  it('do not see the step output fields at the top level (only bare expressions do)', () => {
    const result = validateWorkflow(
      base(
        '  - name: a\n    prompt: hi\n    output:\n      score: { type: number }\n    routes:\n      - to: $end\n        when: "{{ score >= 8 }}"\n      - to: $end\n        when: "{{ output.score >= 8 }}"\n',
      ),
      { env: {} },
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => `${e.line}:${e.column} ${e.message} | ${e.hint}`)).toEqual([
      '11:19 step "a" (routes[0].when) references "score", which is neither a step nor a variable | Steps: a. In a {{ }} condition the step\'s own fields are read as "output.score" (or write it without {{ }}).',
    ]);
  });
});

describe('odd files', () => {
  it.each([
    'workflow: []\nagents: []\n',
    'workflow:\nagents:\n',
    'workflow: { name: x, entry_point: a }\nagents: [1, "two", null]\n',
    'workflow: { name: x, entry_point: a }\nagents:\n  - name: a\n    routes: [1, { to: 2 }, { when: x }]\n',
    'workflow: { name: x, entry_point: a }\nagents:\n  - { name: a, type: 3 }\noutput: text\n',
    'workflow: { name: x, entry_point: a, input: { n: 3, m: { type: nope, default: 1 } } }\nagents: [{ name: a }]\n',
    'workflow: { name: x, entry_point: a }\nagents: [{ name: a, output: { f: { type: array, items: { type: object, properties: { g: { typ: string } } } } } }]\n',
    '"just a string"\n',
    'workflow: &a { name: x, entry_point: a }\nagents: *a\n',
  ])('reports problems without throwing: %s', (source) => {
    const result = validateWorkflow(source, { env: {} });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.length).toBeGreaterThan(0);
    for (const issue of result.errors) {
      expect(issue.line).toBeGreaterThan(0);
      expect(issue.message).not.toMatch(/undefined|\[object/);
    }
  });
});
