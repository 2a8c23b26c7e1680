// biome-ignore-all lint/suspicious/noTemplateCurlyInString: workflow sources here use ${VAR} substitution.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startCli, tempDir } from './support/cli.js';

// Template renders as a user meets them: through the `conductor` binary, which must stay responsive to its
// timeout and to Ctrl-C while a template with a huge loop renders, and end with a checkpoint.

/** A workflow whose step "report" renders `value`; `LOOPS` (env) sizes the loops. */
function workflowFile(value: string, limits = '') {
  const home = tempDir();
  const workflow = join(home, 'render.yaml');
  writeFileSync(
    workflow,
    `workflow:
  name: render
  entry_point: report
${limits}agents:
  - name: report
    type: set
    value: "${value}"
`,
  );
  return { home, workflow };
}

const nestedLoops =
  '{% for i in range(${LOOPS:-5000}) %}{% for j in range(${LOOPS:-5000}) %}{% endfor %}{% endfor %}done';

function checkpoints(home: string): string[] {
  const [runId] = readdirSync(join(home, 'runs'));
  const dir = join(home, 'runs', runId as string, 'checkpoints');
  return existsSync(dir) ? readdirSync(dir) : [];
}

describe('a template render under the budget', () => {
  it('range(10**9) under timeout_seconds: 2 fails the step at once, naming the step and the template', async () => {
    const { home, workflow } = workflowFile(
      '{% for i in range(10**9) %}x{% endfor %}',
      '  limits:\n    timeout_seconds: 2\n',
    );
    const result = await runCli(['run', workflow], home);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'range(1000000000) would build a list of 1,000,000,000 items, more than the render budget of 1,000,000 in template of step "report" (value)',
    );
    expect(result.stderr).toMatch(/Continue with: conductor resume --from /);
    expect(checkpoints(home)).toHaveLength(1);
  });

  it('a loop that outlasts timeout_seconds: 2 ends as a timeout that names the template, with a checkpoint', async () => {
    const { home, workflow } = workflowFile(nestedLoops, '  limits:\n    timeout_seconds: 2\n');
    const result = await runCli(['run', workflow], home);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/failed run \S+ at step "report" after [\d.]+s: TimeoutError: /);
    expect(result.stderr).toMatch(
      /while rendering its value template|ran out while the template was rendering in template of step "report" \(value\)/,
    );
    expect(checkpoints(home)).toHaveLength(1);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} during a long render stops the run with a checkpoint (exit 130), and resume continues`, async () => {
      const { home, workflow } = workflowFile(nestedLoops);
      const cli = startCli(['run', workflow], home);
      await cli.waitFor(/▸ report \(set\)/);
      cli.child.kill(signal);
      const result = await cli.done;
      expect(result.code, result.stderr).toBe(130);
      expect(result.stderr).toMatch(/interrupted run \S+ at step "report"/);
      expect(checkpoints(home)).toHaveLength(1);

      const resumed = await runCli(['resume', workflow], home, { LOOPS: '3' });
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(JSON.parse(resumed.stdout)).toBe('done');
    });
  }

  it('conductor validate warns about a template rendered unquoted into bash -c', async () => {
    const home = tempDir();
    const workflow = join(home, 'shell.yaml');
    writeFileSync(
      workflow,
      `workflow:
  name: shell
  entry_point: greet
  input:
    msg: { type: string }
agents:
  - name: greet
    type: script
    command: bash
    args: ["-c", "echo {{ workflow.input.msg }}"]
`,
    );
    const result = await runCli(['validate', workflow], home);
    expect(result.code, result.stderr).toBe(0);
    expect(`${result.stdout}${result.stderr}`).toContain(
      'warning: step "greet" (args[1]) renders {{ workflow.input.msg }} into the script of "bash -c" unquoted',
    );
    expect(`${result.stdout}${result.stderr}`).toContain('{{ workflow.input.msg | shell_quote }}');
  });
});
