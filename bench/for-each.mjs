// Items per second for a for_each group of 10,000 `set` items at max_concurrent 100, with the event log on
// (as a user runs). Each item emits four events (item started, set started, set completed, item completed).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseWorkflow, runWorkflow } from '../packages/engine/dist/index.js';

const ITEMS = 10_000;
const MAX_CONCURRENT = 100;
const source = `
workflow:
  name: bench-for-each
  entry_point: double
  input:
    items: { type: array }
agents:
  - name: unused
    type: set
    value: 0
for_each:
  - name: double
    type: for_each
    source: workflow.input.items
    as: n
    max_concurrent: ${MAX_CONCURRENT}
    agent:
      type: set
      value: "{{ n * 2 }}"
output:
  count: "{{ double.count }}"
  last: "{{ double.outputs[${ITEMS - 1}] }}"
`;

export async function run() {
  const home = mkdtempSync(join(tmpdir(), 'conductor-bench-'));
  try {
    const workflow = parseWorkflow(source, { path: join(home, 'bench-for-each.yaml') });
    const items = Array.from({ length: ITEMS }, (_, i) => i);
    const started = process.hrtime.bigint();
    const result = await runWorkflow(workflow, {
      inputs: { items },
      env: { ...process.env, CONDUCTOR_HOME: home },
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (result.status !== 'completed')
      throw new Error(`bench run ${result.status}: ${result.error?.message}`);
    const output = /** @type {{ count: number, last: number }} */ (result.output);
    if (output.count !== ITEMS || output.last !== (ITEMS - 1) * 2)
      throw new Error(`bench run gave a wrong output: ${JSON.stringify(output)}`);
    return {
      name: `engine: for_each over ${ITEMS.toLocaleString('en')} set items, max_concurrent ${MAX_CONCURRENT}`,
      figures: {
        items: ITEMS,
        events: result.lastSeq,
        seconds: round(seconds),
        'items/s': Math.round(ITEMS / seconds),
        'events/s': Math.round(result.lastSeq / seconds),
      },
    };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

const round = (n) => Math.round(n * 1000) / 1000;

if (import.meta.url === pathToFileURL(process.argv[1]).href) console.log(await run());
