import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatIssues, type WorkflowIssue } from './errors.js';
import { parseWorkflow, validateWorkflow, validateWorkflowFile } from './load.js';

// The original's agent keys retry, reasoning and output_mode, and runtime.default_reasoning_effort.

/** A workflow with `runtime` (indented under it) and one agent step `a` with extra keys `step`. */
const workflow = (runtime: string, step: string, extra = '') => `workflow:
  name: keys
  entry_point: a
  runtime:
${runtime}
agents:
  - name: a
    prompt: hi
${step}${extra}`;

function issuesOf(source: string): string[] {
  return validateWorkflow(source, { env: {} }).issues.map(
    (issue: WorkflowIssue) => `${issue.line}:${issue.column} ${issue.severity} ${issue.message}`,
  );
}

describe('retry', () => {
  it('loads the policy as written, every key of the original', () => {
    const loaded = parseWorkflow(
      workflow(
        '    provider: openai',
        `    retry:
      max_attempts: 4
      backoff: fixed
      delay_seconds: 0.5
      retry_on: [timeout]
      max_parse_recovery_attempts: 0
`,
      ),
    );
    expect(loaded.definition.agents[0]).toMatchObject({
      retry: {
        max_attempts: 4,
        backoff: 'fixed',
        delay_seconds: 0.5,
        retry_on: ['timeout'],
        max_parse_recovery_attempts: 0,
      },
    });
  });

  it('rejects values out of the original ranges, an unknown category and an unknown key, where they are', () => {
    expect(
      issuesOf(
        workflow(
          '    provider: openai',
          `    retry:
      max_attempts: 11
      backoff: linear
      delay_seconds: 301
      retry_on: [provider_error, rate_limit]
      max_parse_recovery_attempts: 11
      jitter: 0.1
`,
        ),
      ),
    ).toEqual([
      '10:21 error step "a": retry.max_attempts must be between 1 and 10 (got 11)',
      '11:16 error step "a" (retry.backoff) must be one of "fixed", "exponential", not the string "linear"',
      '12:22 error step "a": retry.delay_seconds must be between 0 and 300 (got 301)',
      '13:34 error step "a" (retry.retry_on[1]) must be one of "provider_error", "timeout", not the string "rate_limit"',
      '14:36 error step "a": retry.max_parse_recovery_attempts must be between 0 and 10 (got 11)',
      '15:7 error unknown key "jitter" in step "a" (retry)',
    ]);
  });

  it('rejects max_parse_retries beside retry.max_parse_recovery_attempts', () => {
    expect(
      issuesOf(
        workflow(
          '    provider: mock',
          '    max_parse_retries: 1\n    retry: { max_parse_recovery_attempts: 3 }\n',
        ),
      ),
    ).toEqual([
      '10:14 error step "a" sets both max_parse_retries and retry.max_parse_recovery_attempts, which mean the same',
    ]);
  });
});

describe('reasoning and runtime.default_reasoning_effort', () => {
  it('loads a level, a template, and the runtime default', () => {
    const loaded = parseWorkflow(
      workflow(
        '    provider: claude\n    default_model: claude-sonnet-4-5\n    default_reasoning_effort: max',
        "    reasoning: { effort: \"{{ 'high' if workflow.input.deep else 'low' }}\" }\n",
      ).replace(
        '  entry_point: a\n',
        '  entry_point: a\n  input:\n    deep: { type: boolean, default: false }\n',
      ),
    );
    expect(loaded.definition.workflow.runtime?.default_reasoning_effort).toBe('max');
    expect(loaded.definition.agents[0]).toMatchObject({
      reasoning: { effort: "{{ 'high' if workflow.input.deep else 'low' }}" },
    });
  });

  it('rejects an effort that is no level, and a template reading what does not exist', () => {
    expect(
      issuesOf(
        workflow(
          '    provider: mock\n    default_reasoning_effort: extreme',
          '    reasoning: { effort: hard }\n',
        ),
      ),
    ).toEqual([
      '6:31 error "workflow.runtime.default_reasoning_effort" must be one of "low", "medium", "high", "xhigh", "max", not the string "extreme"',
      '10:26 error step "a": reasoning.effort must be low, medium, high, xhigh, max or a template, not "hard"',
    ]);
    const template = issuesOf(
      workflow('    provider: mock', '    reasoning: { effort: "{{ nowhere.output.level }}" }\n'),
    );
    expect(template).toEqual([
      '9:30 error step "a" (reasoning.effort) references "nowhere", which is not a step',
    ]);
  });

  it('rejects xhigh and max for openai, at the file, line and column of the effort', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-keys-'));
    const file = join(dir, 'effort.yaml');
    writeFileSync(
      file,
      workflow(
        '    provider: openai\n    default_reasoning_effort: high',
        '    reasoning:\n      effort: xhigh\n',
        '  - name: b\n    prompt: hi\n    reasoning: { effort: max }\n',
      ),
    );
    const hint = 'Use low, medium or high with openai (xhigh and max are claude levels).';
    return validateWorkflowFile(file).then((result) => {
      expect(result.ok).toBe(false);
      expect(
        formatIssues(result.issues)
          .split('\n')
          .filter((line) => line.includes('error')),
      ).toEqual([
        `${file}:11:15 error: step "a": the openai provider takes reasoning effort low, medium or high, not "xhigh". ${hint}`,
        `${file}:14:26 error: step "b": the openai provider takes reasoning effort low, medium or high, not "max". ${hint}`,
      ]);
    });
  });

  it("reports a runtime default openai cannot take once, naming the steps that use it, and a step's provider wins", () => {
    expect(
      issuesOf(
        workflow(
          '    provider: openai\n    default_reasoning_effort: max',
          '',
          '  - name: b\n    prompt: hi\n  - name: c\n    prompt: hi\n    provider: mock\n',
        ),
      ).filter((issue) => issue.includes(' error ')),
    ).toEqual([
      '6:31 error runtime.default_reasoning_effort: the openai provider takes reasoning effort low, medium or high, not "max" (used by step "a", step "b")',
    ]);
  });

  it('takes every level for claude on a model with extended thinking, and none on one without', () => {
    expect(
      issuesOf(
        workflow(
          '    provider: claude\n    default_model: claude-opus-4-1',
          '    reasoning: { effort: max }\n',
        ),
      ),
    ).toEqual([]);
    // Without a model, claude's default (claude-3-5-sonnet-latest) has no extended thinking.
    expect(issuesOf(workflow('    provider: claude', '    reasoning: { effort: low }\n'))).toEqual([
      '9:26 error step "a": reasoning effort "low" needs a Claude model with extended thinking, and "claude-3-5-sonnet-latest" has none',
    ]);
  });
});

describe('output_mode', () => {
  it('accepts raw without output and envelope with it', () => {
    expect(issuesOf(workflow('    provider: mock', '    output_mode: raw\n'))).toEqual([]);
    expect(
      issuesOf(
        workflow('    provider: mock', '    output_mode: envelope\n    output: { x: { type: string } }\n'),
      ),
    ).toEqual([]);
  });

  it('rejects raw with output, and an unknown mode', () => {
    expect(
      issuesOf(workflow('    provider: mock', '    output_mode: raw\n    output: { x: { type: string } }\n')),
    ).toEqual(['9:5 error step "a" sets output_mode: raw and output:, which exclude each other']);
    expect(issuesOf(workflow('    provider: mock', '    output_mode: json\n'))).toEqual([
      '9:18 error step "a" (output_mode) must be one of "raw", "envelope", not the string "json"',
    ]);
  });
});
