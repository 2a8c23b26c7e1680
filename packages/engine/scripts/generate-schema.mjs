#!/usr/bin/env node
// Regenerates packages/engine/schema/workflow.schema.json from the valibot schema (src/workflow/schema.ts).
// The schema test compares the committed file with the generated one; this runs it in update mode.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const result = spawnSync(
  'npx',
  ['vitest', 'run', '--project', 'engine', 'src/workflow/json-schema.test.ts'],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, UPDATE_SCHEMA: '1' },
  },
);
process.exit(result.status ?? 1);
