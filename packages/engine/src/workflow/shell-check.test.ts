import { describe, expect, it } from 'vitest';
import type { WorkflowIssue } from './errors.js';
import { validateWorkflow } from './load.js';

/** The warnings of a workflow whose only step is a script with these lines (YAML, indented for the step). */
function warnings(step: string): WorkflowIssue[] {
  const source = `workflow:
  name: shell
  entry_point: greet
  input:
    msg: { type: string }
agents:
  - name: greet
    type: script
${step}`;
  const result = validateWorkflow(source, { path: 'flow.yaml' });
  expect(result.ok, JSON.stringify(result.issues)).toBe(true);
  return result.issues.filter((issue) => issue.severity === 'warning');
}

describe('validation of templates in shell scripts', () => {
  it('warns when a template is rendered unquoted into the script of bash -c, naming the step and the fix', () => {
    const [warning, ...rest] = warnings(`    command: bash
    args: ["-c", "echo {{ workflow.input.msg }}"]
`);
    expect(rest).toEqual([]);
    expect(warning).toMatchObject({ line: 10, path: ['agents', 0, 'args', 1] });
    expect(warning?.message).toBe(
      'step "greet" (args[1]) renders {{ workflow.input.msg }} into the script of "bash -c" unquoted: a value with ; or $( ) in it would run as shell code',
    );
    expect(warning?.hint).toBe(
      'Pass it in the environment (env: { MSG: "{{ workflow.input.msg }}" } and "$MSG" in the script), or write {{ workflow.input.msg | shell_quote }} outside any quotes.',
    );
  });

  it('knows the shells by path and their option clusters (-ec, -o pipefail -c)', () => {
    expect(warnings(`    command: /bin/sh\n    args: ["-ec", "ls {{ workflow.input.msg }}"]\n`)).toHaveLength(
      1,
    );
    expect(
      warnings(
        `    command: bash\n    args: ["-o", "pipefail", "-c", "cat {{ workflow.input.msg }} | wc"]\n`,
      ),
    ).toMatchObject([{ path: ['agents', 0, 'args', 3] }]);
    expect(warnings(`    command: zsh\n    args: ["-c", "echo '{{ workflow.input.msg }}'"]\n`)).toHaveLength(
      1,
    );
  });

  it('warns when shell_quote output is put inside quotes, where it no longer protects', () => {
    const [warning] = warnings(`    command: sh
    args: ["-c", "echo \\"{{ workflow.input.msg | shell_quote }}\\""]
`);
    expect(warning?.message).toContain(
      'puts {{ workflow.input.msg | shell_quote }} inside quotes in the script of "sh -c", where shell_quote does not protect it',
    );
  });

  it('accepts the safe patterns: shell_quote outside quotes, env:, positional arguments, numbers', () => {
    expect(
      warnings(`    command: sh\n    args: ["-c", "echo {{ workflow.input.msg | shell_quote }}"]\n`),
    ).toEqual([]);
    expect(
      warnings(`    command: bash
    args: ["-c", 'echo "$MSG"']
    env:
      MSG: "{{ workflow.input.msg }}"
`),
    ).toEqual([]);
    expect(
      warnings(`    command: bash\n    args: ["-c", 'echo "$1"', "greet", "{{ workflow.input.msg }}"]\n`),
    ).toEqual([]);
    expect(
      warnings(`    command: bash\n    args: ["-c", "sleep {{ workflow.input.msg | int }}; echo {{ 3 }}"]\n`),
    ).toEqual([]);
  });

  it('leaves other programs and shell script files alone', () => {
    expect(warnings(`    command: python3\n    args: ["-c", "print({{ workflow.input.msg }})"]\n`)).toEqual(
      [],
    );
    expect(warnings(`    command: bash\n    args: ["./deploy.sh", "{{ workflow.input.msg }}"]\n`)).toEqual(
      [],
    );
    expect(warnings(`    command: echo\n    args: ["{{ workflow.input.msg }}; rm -rf /"]\n`)).toEqual([]);
  });
});
