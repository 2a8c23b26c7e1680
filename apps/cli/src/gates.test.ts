import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMain, tempHome } from './test/main-in-process.js';

const GATED = `
workflow:
  name: gated
  entry_point: approve
agents:
  - name: approve
    type: human_gate
    prompt: "Ship it?"
    options:
      - { label: Ship, value: ship, route: done }
      - { label: Hold, value: hold, route: $end }
  - name: done
    type: set
    value: shipped
`;

describe('human gates from the command line', () => {
  it('--skip-gates takes the first option', async () => {
    const home = tempHome();
    const workflow = join(home, 'gated.yaml');
    writeFileSync(workflow, GATED);
    const result = await runMain(['run', workflow, '--skip-gates'], { home });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toBe('shipped');
    expect(result.stderr).toMatch(/✓ approve {2}chose "ship"/);
  });

  it('with no terminal and no dashboard, stops at the gate with a checkpoint (exit 130) instead of waiting forever; resume answers it', async () => {
    const home = tempHome();
    const workflow = join(home, 'gated.yaml');
    writeFileSync(workflow, GATED);
    const result = await runMain(['run', workflow], { home });
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(/no terminal to ask in and no dashboard/);
    expect(result.stderr).toMatch(/checkpoint saved: .*interrupt\.json/);
    const resumed = await runMain(['resume', workflow, '--skip-gates'], { home });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toBe('shipped');
  });
});
