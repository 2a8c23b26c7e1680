import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from './support/cli.js';

// A budget in enforce mode as a user meets it: the `conductor` binary stops the run when spend passes
// limits.budget_usd, with a checkpoint, exit 1 and the way to continue; `conductor resume` goes on with a
// fresh budget. The mock plays a priced model's token counts ($0.40 a step).
const WORKFLOW = `
workflow:
  name: budgeted
  entry_point: research
  runtime:
    provider: mock
    default_model: house-model
  limits:
    budget_usd: 0.5
    budget_mode: enforce
  cost:
    pricing:
      house-model: { input_per_mtok: 1, output_per_mtok: 0 }
agents:
  - name: research
    prompt: research
    routes: [{ to: draft }]
  - name: draft
    prompt: draft
    routes: [{ to: polish }]
  - name: polish
    prompt: polish
output:
  text: "{{ polish.output.result }}"
`;

const ANSWERS = ['research', 'draft', 'polish']
  .map((step) => `${step}:\n  text: ${step} done\n  usage: { input_tokens: 400000, output_tokens: 5 }\n`)
  .join('');

describe('limits.budget_usd with budget_mode: enforce', () => {
  it('fails the run with a checkpoint once spend passes the budget, and a resume finishes it', async () => {
    const home = tempDir();
    const workflow = join(home, 'budgeted.yaml');
    writeFileSync(workflow, WORKFLOW);
    const answers = join(home, 'answers.yaml');
    writeFileSync(answers, ANSWERS);

    const failed = await runCli(['run', workflow, '--mock-responses', answers], home);
    expect(failed.code, failed.stderr).toBe(1);
    expect(failed.stdout).toBe('');
    expect(failed.stderr).toMatch(
      /failed run [\w-]+ at step "draft" after [\d.]+s: BudgetExceededError: the run spent \$0\.80, over its budget of \$0\.50/,
    );
    expect(failed.stderr).toMatch(/Continue with: conductor resume --from \S+\.json/);
    // What was spent is summed up before the failure is reported.
    expect(failed.stderr).toMatch(/total\s+800,000\s+10\s+0\/0\s+\$0\.8000/);

    const [runId] = readdirSync(join(home, 'runs'));
    const log = () =>
      readFileSync(join(home, 'runs', String(runId), 'events.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { type: string; data: Record<string, unknown> });
    expect(
      log()
        .filter((e) => e.type === 'budget_exceeded')
        .map((e) => e.data),
    ).toEqual([
      {
        agent_name: 'draft',
        total_cost_usd: 0.8,
        budget_usd: 0.5,
        budget_mode: 'enforce',
        threshold_usd: 0.5,
      },
    ]);
    expect(log().filter((e) => e.type === 'checkpoint_saved')).toHaveLength(1);

    const resumed = await runCli(['resume', workflow, '--mock-responses', answers], home);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toEqual({ text: 'polish done' });
    // draft's answer was kept: only polish ran, on a budget counted from $0 again.
    const started = log()
      .filter((e) => e.type === 'agent_started')
      .map((e) => e.data.agent_name);
    expect(started).toEqual(['research', 'draft', 'polish']);
    expect(resumed.stderr).toMatch(/total\s+400,000\s+5\s+0\/0\s+\$0\.4000/);
  });
});
