// biome-ignore-all lint/suspicious/noTemplateCurlyInString: workflow sources here use ${VAR} substitution.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatIssues, type WorkflowIssue } from './errors.js';
import { parseWorkflow, validateWorkflow } from './load.js';

/** A workflow whose `runtime:` section is `runtime` (indented under it), with one agent step. */
const withRuntime = (runtime: string, step = '') => `workflow:
  name: providers
  entry_point: a
  runtime:
${runtime}
agents:
  - name: a
    prompt: hi
${step}`;

function issuesOf(source: string, env: Record<string, string> = {}): string[] {
  return validateWorkflow(source, { env }).issues.map(
    (issue: WorkflowIssue) =>
      `${issue.line}:${issue.column} ${issue.severity} ${issue.message}${issue.hint ? ` | ${issue.hint}` : ''}`,
  );
}

describe('runtime.provider, the mapping form', () => {
  it('loads the mapping with every field a provider takes, ${VAR} included', () => {
    const loaded = parseWorkflow(
      withRuntime(`    provider:
      name: claude
      base_url: https://gateway.example/anthropic
      auth_token: \${TOKEN}
      headers: { x-team: owls }
    timeout: 120`),
      { env: { TOKEN: 'tok-1' } },
    );
    expect(loaded.definition.workflow.runtime).toEqual({
      provider: {
        name: 'claude',
        base_url: 'https://gateway.example/anthropic',
        auth_token: 'tok-1',
        headers: { 'x-team': 'owls' },
      },
      timeout: 120,
    });
    expect(
      issuesOf(withRuntime('    provider: { name: openai, base_url: "http://127.0.0.1:1/v1", api_key: k }')),
    ).toEqual([]);
  });

  it('rejects a field of another provider, where it is', () => {
    expect(issuesOf(withRuntime('    provider:\n      name: openai\n      auth_token: t'))).toEqual([
      '7:7 error "auth_token" applies to the claude provider, not to openai | The openai provider takes base_url, api_key, headers.',
    ]);
    expect(issuesOf(withRuntime('    provider:\n      name: mock\n      api_key: k'))).toEqual([
      '7:7 error "api_key" applies to the openai and claude provider, not to mock | The mock provider takes no settings besides its name.',
    ]);
  });

  it("names the original's fields of providers this version lacks, and unknown keys", () => {
    const issues = issuesOf(
      withRuntime(
        '    provider:\n      name: openai\n      api_key: k\n      bearer_token: b\n      base_ur: x',
      ),
    );
    expect(issues).toEqual([
      expect.stringMatching(/^8:7 error "bearer_token" applies to the copilot provider, not to openai/),
      expect.stringMatching(
        /^9:7 error unknown key "base_ur" in "workflow.runtime.provider" \| Did you mean "base_url"\?/,
      ),
    ]);
  });

  it('rejects blank secrets, empty headers and a base_url that is not a URL', () => {
    const issues = issuesOf(
      withRuntime(`    provider:
      name: claude
      base_url: localhost:8080
      api_key: "  "
      headers: {}`),
    );
    expect(issues).toEqual([
      '7:17 error base_url must be an http:// or https:// URL (got "localhost:8080")',
      '8:16 error api_key must not be blank (got "  ")',
      '9:16 error headers must not be empty',
    ]);
  });

  it('asks for api_key next to an openai base_url, so the environment key never goes to that server', () => {
    expect(
      issuesOf(withRuntime('    provider:\n      name: openai\n      base_url: http://localhost:11434/v1')),
    ).toEqual([
      expect.stringMatching(
        /^7:7 error a base_url set in the workflow needs api_key set there too \| OPENAI_API_KEY is not sent/,
      ),
    ]);
  });

  it('holds max_tokens to 1–200000, as the original does', () => {
    expect(issuesOf(withRuntime('    max_tokens: 200001', '    max_tokens: 0\n'))).toEqual([
      '5:17 error runtime.max_tokens must be at most 200000 (got 200001)',
      '9:17 error step "a": max_tokens must be at least 1 (got 0)',
    ]);
  });

  it('lets a provider the workflow does not know (a registered one) take any field', () => {
    expect(
      issuesOf(withRuntime('    provider: { name: echo, base_url: "http://x.test", auth_token: t }')),
    ).toEqual([]);
  });
});

describe('providers this version does not have', () => {
  it('are errors in validate, at runtime.provider and at each step, saying how to choose one', () => {
    const source = withRuntime('    provider: copilot', '    provider: claude-agent-sdk\n');
    const validation = validateWorkflow(source);
    expect(validation.ok).toBe(false);
    const text = formatIssues(validation.issues);
    expect(text).toContain(
      '<workflow>:5:15 error: the "copilot" provider (the original conductor\'s default, over the GitHub Copilot SDK) is not available in this version of conductor.',
    );
    expect(text).toContain('<workflow>:9:15 error: the "claude-agent-sdk" provider');
    expect(text).toContain(
      'The providers here are openai (OpenAI, or any OpenAI-compatible server through base_url: Ollama, vLLM, LM Studio, Azure), claude (the Anthropic API) and mock (scripted answers, offline). Choose one with --provider <name> on the command line, or with runtime.provider in the workflow',
    );
  });

  it('are found in a sub-workflow too, and in the mapping form', () => {
    const dir = mkdtempSync(join(tmpdir(), 'conductor-providers-'));
    writeFileSync(join(dir, 'child.yaml'), withRuntime('    provider: { name: copilot }'));
    const parent = join(dir, 'parent.yaml');
    writeFileSync(
      parent,
      'workflow:\n  name: parent\n  entry_point: run_child\nagents:\n  - name: run_child\n    type: workflow\n    workflow: child.yaml\n',
    );
    const validation = validateWorkflow(parent);
    expect(validation.ok).toBe(false);
    expect(formatIssues(validation.issues, { cwd: dir })).toMatch(
      /^parent\.yaml:7:15 error: step "run_child": sub-workflow child\.yaml is invalid \(1 error\): \S*child\.yaml:5:23: the "copilot" provider/,
    );
  });

  it('do not stop loading for a run, where --provider may replace them', () => {
    expect(parseWorkflow(withRuntime('    provider: copilot')).definition.workflow.runtime?.provider).toBe(
      'copilot',
    );
  });
});
