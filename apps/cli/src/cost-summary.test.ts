import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMain, tempHome } from './test/main-in-process.js';

/** Two agents and a for-each of two items on a priced model; every answer reports its tokens. */
const workflow = (cost = '') => `workflow:
  name: priced
  entry_point: plan
  runtime:
    provider: mock
    default_model: house-model
  cost:
    pricing:
      house-model: { input_per_mtok: 2, output_per_mtok: 10, cache_read_per_mtok: 0.5 }
${cost}agents:
  - name: plan
    prompt: plan
    output:
      parts: { type: array, items: { type: string } }
    routes: [{ to: each }]
  - name: write
    model: unpriced-model
    prompt: write
for_each:
  - name: each
    type: for_each
    source: plan.output.parts
    as: part
    agent:
      prompt: "Draft {{ part }}"
    routes: [{ to: write }]
output:
  text: "{{ write.output.result }}"
`;

const responses = `plan:
  output: { parts: [a, b] }
  usage: { input_tokens: 10000, output_tokens: 500, cache_read_tokens: 4000 }
each:
  text: drafted
  usage: { input_tokens: 1000, output_tokens: 100 }
write:
  text: done
  usage: { input_tokens: 300, output_tokens: 20 }
`;

function setup(cost?: string) {
  const home = tempHome();
  const path = join(home, 'priced.yaml');
  writeFileSync(path, workflow(cost));
  const answers = join(home, 'answers.yaml');
  writeFileSync(answers, responses);
  return { home, args: ['run', path, '--mock-responses', answers] };
}

describe('the cost summary at the end of a run', () => {
  it('prints tokens and cost per step, a for-each group as one row, and the total', async () => {
    const { home, args } = setup();
    const result = await runMain(args, { home });
    expect(result.code, result.stderr).toBe(0);
    const summary = result.stderr.slice(result.stderr.indexOf('Usage and cost'));
    // plan: 6,000 × 2 + 500 × 10 + 4,000 × 0.5 = $0.019; each item: 1,000 × 2 + 100 × 10 = $0.003.
    expect(summary.split('\n').slice(0, 6)).toEqual([
      'Usage and cost',
      'step   model           input   output  cache read/write  cost',
      'plan   house-model     10,000  500     4,000/0           $0.0190',
      'write  unpriced-model  300     20      0/0               no price',
      'each   2 items         2,000   200     0/0               $0.0060',
      'total                  12,300  720     4,000/0           $0.0250',
    ]);
    expect(summary).toContain(
      '1 call of a model without a price is not in the cost: add it to workflow.cost.pricing.',
    );
  });

  it('is hidden by --quiet and by cost.show_summary: false', async () => {
    const quiet = setup();
    const result = await runMain([...quiet.args, '--quiet'], { home: quiet.home });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const off = setup('    show_summary: false\n');
    const hidden = await runMain(off.args, { home: off.home });
    expect(hidden.code, hidden.stderr).toBe(0);
    expect(hidden.stderr).not.toContain('Usage and cost');
    expect(hidden.stderr).toMatch(/completed run/);
  });
});
