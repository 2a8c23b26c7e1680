import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatIssues, WorkflowError } from './errors.js';
import { loadWorkflow, validateWorkflow, validateWorkflowFile } from './load.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

interface Expected {
  line: number;
  column: number;
  message: string;
  hint?: string;
}

/** One entry per broken fixture: where its (first) error is and what it says. Shared with the CLI's tests. */
const expected = JSON.parse(readFileSync(fixture('invalid/expected.json'), 'utf8')) as Record<
  string,
  Expected
>;
const invalid = readdirSync(fixture('invalid'))
  .filter((name) => name.endsWith('.yaml'))
  .sort();
const valid = readdirSync(fixture('valid'))
  .filter((name) => name.endsWith('.yaml'))
  .sort();

// The fixtures are checked against an empty environment except where a test sets variables.
const env = { MODEL: 'gpt-4o-mini' };

describe('invalid fixtures', () => {
  it('has an expectation for every fixture file', () => {
    expect(invalid).toEqual(Object.keys(expected).sort());
    expect(invalid.length).toBeGreaterThanOrEqual(14);
  });

  it.each(invalid)('%s is reported at its exact line:column', async (name) => {
    const want = expected[name];
    if (!want) throw new Error(`no expectation for ${name}`);
    const result = await validateWorkflowFile(fixture(`invalid/${name}`), { env });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const first = result.errors[0];
    expect(first?.file).toBe(fixture(`invalid/${name}`));
    expect({ line: first?.line, column: first?.column }).toEqual({ line: want.line, column: want.column });
    expect(first?.message).toContain(want.message);
    if (want.hint !== undefined) expect(first?.hint).toContain(want.hint);
  });

  it.each(invalid)('loadWorkflow rejects %s with a WorkflowError naming file:line:column', async (name) => {
    const want = expected[name];
    const error = await loadWorkflow(fixture(`invalid/${name}`), { env }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowError);
    const workflowError = error as WorkflowError;
    expect(workflowError.code).toBe(
      name === 'yaml-syntax.yaml' ? 'CONDUCTOR_WORKFLOW_YAML' : 'CONDUCTOR_WORKFLOW_INVALID',
    );
    expect(workflowError.message).toContain(
      `invalid/${name}:${want?.line}:${want?.column} error: ${want?.message}`,
    );
  });

  it('formats issues as file:line:column severity: message hint', async () => {
    const result = await validateWorkflowFile(fixture('invalid/unknown-route-target.yaml'), { env });
    expect(result.ok).toBe(false);
    const text = formatIssues(result.issues, { cwd: fixture('') });
    expect(text.split('\n')).toEqual([
      'invalid/unknown-route-target.yaml:8:13 error: route of step "draft" goes to "reviw", which is not a step. Did you mean "review"? Valid targets: draft, review, publish, $end.',
      'invalid/unknown-route-target.yaml:9:11 warning: step "review" is never reached from the entry point "draft". Route to it from another step, or remove it.',
      'invalid/unknown-route-target.yaml:13:11 warning: step "publish" is never reached from the entry point "draft". Route to it from another step, or remove it.',
    ]);
  });
});

describe('valid fixtures', () => {
  it.each(valid)('%s loads without errors or warnings', async (name) => {
    const warnings: string[] = [];
    const loaded = await loadWorkflow(fixture(`valid/${name}`), {
      env,
      onWarning: (issue) => warnings.push(issue.message),
    });
    expect(loaded.path).toBe(fixture(`valid/${name}`));
    expect(loaded.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(warnings).toEqual([]);
  });

  it('fills defaults: step type agent, terminate status success, prompt ""', async () => {
    const loaded = await loadWorkflow(fixture('valid/review-loop.yaml'), { env });
    const [draft, , giveUp] = loaded.definition.agents;
    expect(draft?.type).toBe('agent');
    expect(giveUp).toMatchObject({ type: 'terminate', status: 'failed' });
    const other = await loadWorkflow(fixture('valid/script-set-wait.yaml'), { env });
    expect(other.definition.agents.find((step) => step.name === 'done')).toMatchObject({
      type: 'terminate',
      status: 'success',
    });
  });

  it('reports a missing file as NOT_FOUND', async () => {
    const error = await loadWorkflow(fixture('valid/nope.yaml')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowError);
    expect((error as WorkflowError).code).toBe('CONDUCTOR_WORKFLOW_NOT_FOUND');
    expect((error as WorkflowError).message).toContain('workflow file not found');
    const result = await validateWorkflowFile(fixture('valid/nope.yaml'));
    expect(result.ok ? 'ok' : result.code).toBe('CONDUCTOR_WORKFLOW_NOT_FOUND');
    const sync = validateWorkflow(fixture('valid/nope.yaml'));
    expect(sync.ok ? 'ok' : sync.code).toBe('CONDUCTOR_WORKFLOW_NOT_FOUND');
  });

  it('validateWorkflow takes a path as well as a source', () => {
    const result = validateWorkflow(fixture('valid/minimal.yaml'));
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.workflow.path).toBe(fixture('valid/minimal.yaml'));
  });
});
