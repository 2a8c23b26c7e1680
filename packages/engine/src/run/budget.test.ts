import { eventLogPath } from '@conductor/event-log';
import { describe, expect, it } from 'vitest';
import { resumeWorkflow } from '../launch/resume-workflow.js';
import { runWorkflow } from '../launch/run-workflow.js';
import { readLog, startsByStep, tempSpace, writeWorkflow } from '../testing/durable.js';
import { ofType } from '../testing/support.js';

/**
 * Three agents on a model priced $1 per million input tokens; each answer reports 400,000 input tokens,
 * so each step costs $0.40 ($0.40, $0.80, $1.20 after each).
 */
const threeSteps = (limits: string) => `workflow:
  name: spend
  entry_point: a
  runtime:
    provider: mock
    default_model: house
  limits:
${limits}
  cost:
    pricing:
      house: { input_per_mtok: 1, output_per_mtok: 0 }
agents:
  - name: a
    prompt: one
    routes: [{ to: b }]
  - name: b
    prompt: two
    routes: [{ to: c }]
  - name: c
    prompt: three
output:
  last: "{{ c.output.result }}"
`;

const usage = { usage: { input_tokens: 400_000, output_tokens: 10 } };
const mockResponses = {
  a: { text: 'A', ...usage },
  b: { text: 'B', ...usage },
  c: { text: 'C', ...usage },
};

describe('limits.budget_usd', () => {
  it('in audit mode warns with budget_exceeded each time spend passes another whole budget, and completes', async () => {
    const { home, dir } = await tempSpace();
    const path = await writeWorkflow(dir, 'audit.yaml', threeSteps('    budget_usd: 0.25'));
    const run = runWorkflow(path, { home, mockResponses });
    const result = await run;
    expect(result.status).toBe('completed');
    const { events } = await readLog(eventLogPath(run.runId, home));
    const costs = ofType(events, 'agent_completed').map((e) => e.data.cost_usd);
    expect(costs).toEqual([0.4, 0.4, 0.4]);
    // $0.40 passes one budget ($0.25); $0.80 three ($0.75); $1.20 four ($1.00).
    expect(ofType(events, 'budget_exceeded').map((e) => e.data)).toEqual([
      { agent_name: 'a', total_cost_usd: 0.4, budget_usd: 0.25, budget_mode: 'audit', threshold_usd: 0.25 },
      {
        agent_name: 'b',
        total_cost_usd: 0.8,
        budget_usd: 0.25,
        budget_mode: 'audit',
        threshold_usd: 0.75,
      },
      {
        agent_name: 'c',
        total_cost_usd: expect.closeTo(1.2, 9),
        budget_usd: 0.25,
        budget_mode: 'audit',
        threshold_usd: 1,
      },
    ]);
  });

  it('says nothing while spend stays within the budget', async () => {
    const { home, dir } = await tempSpace();
    const path = await writeWorkflow(
      dir,
      'within.yaml',
      threeSteps('    budget_usd: 1.2\n    budget_mode: enforce'),
    );
    const run = runWorkflow(path, { home, mockResponses });
    expect((await run).status).toBe('completed');
    const { events } = await readLog(eventLogPath(run.runId, home));
    expect(ofType(events, 'budget_exceeded')).toEqual([]);
  });

  it('in enforce mode fails the run with a checkpoint after the step that passed it; a resume goes on from $0', async () => {
    const { home, dir } = await tempSpace();
    const path = await writeWorkflow(
      dir,
      'enforce.yaml',
      threeSteps('    budget_usd: 0.5\n    budget_mode: enforce'),
    );
    const run = runWorkflow(path, { home, mockResponses });
    const failed = await run;
    expect(failed).toMatchObject({
      status: 'failed',
      error: { type: 'BudgetExceededError', step: 'b' },
      checkpointPath: expect.stringContaining('.json'),
    });
    expect(failed.error?.message).toContain('the run spent $0.80, over its budget of $0.50');
    expect(failed.error?.message).toContain('Resume it to go on with a fresh budget');

    const logPath = eventLogPath(run.runId, home);
    const before = (await readLog(logPath)).events;
    expect(startsByStep(before)).toEqual({ a: 1, b: 1 });
    expect(ofType(before, 'budget_exceeded').map((e) => e.data.budget_mode)).toEqual(['enforce']);
    expect(ofType(before, 'workflow_failed')[0]?.data).toMatchObject({
      error_type: 'BudgetExceededError',
      agent_name: 'b',
      total_cost_usd: 0.8,
      budget_usd: 0.5,
    });

    // b's answer is kept: the resume takes its route to c, which spends $0.40 of a fresh budget.
    const resumed = await resumeWorkflow({ runId: run.runId, home, mockResponses });
    expect(resumed).toMatchObject({ status: 'completed', output: { last: 'C' } });
    const after = (await readLog(logPath)).events;
    expect(startsByStep(after)).toEqual({ a: 1, b: 1, c: 1 });
    expect(ofType(after, 'budget_exceeded')).toHaveLength(1);
  });

  it("counts a sub-workflow's spend in its parent's budget", async () => {
    const { home, dir } = await tempSpace();
    await writeWorkflow(
      dir,
      'child.yaml',
      `workflow:
  name: child
  entry_point: inner
  runtime: { provider: mock, default_model: house }
  cost:
    pricing:
      house: { input_per_mtok: 1, output_per_mtok: 0 }
agents:
  - name: inner
    prompt: work
output:
  done: "yes"
`,
    );
    const path = await writeWorkflow(
      dir,
      'parent.yaml',
      `workflow:
  name: parent
  entry_point: delegate
  runtime: { provider: mock }
  limits: { budget_usd: 0.3, budget_mode: enforce }
agents:
  - name: delegate
    type: workflow
    workflow: ./child.yaml
    routes: [{ to: after }]
  - name: after
    prompt: never
`,
    );
    const run = runWorkflow(path, { home, mockResponses: { inner: { text: 'x', ...usage } } });
    expect(await run).toMatchObject({
      status: 'failed',
      error: { type: 'BudgetExceededError', step: 'delegate' },
    });
    const { events } = await readLog(eventLogPath(run.runId, home));
    expect(ofType(events, 'budget_exceeded')[0]?.data).toMatchObject({
      agent_name: 'delegate',
      total_cost_usd: 0.4,
    });
    expect(startsByStep(events).after).toBeUndefined();
  });

  it('warns at run start when the budget cannot be enforced over a model without a price', async () => {
    const { home, dir } = await tempSpace();
    const path = await writeWorkflow(
      dir,
      'unpriced.yaml',
      threeSteps('    budget_usd: 1').replace('default_model: house', 'default_model: local-llm'),
    );
    const run = runWorkflow(path, { home, mockResponses });
    await run.started;
    expect(run.warnings).toEqual([expect.stringContaining('no price is known for model "local-llm"')]);
    expect((await run).status).toBe('completed');
  });
});
