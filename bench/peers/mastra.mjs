// The loop in Mastra: one step that counts, `.dountil` it reaches N, in a Mastra with LibSQLStore on a
// file in a temp folder. Mastra persists the run's snapshot to its storage as each step finishes
// (the workflow's default `shouldPersistSnapshot`), so a crash loses at most the step in flight.
import { Mastra } from '@mastra/core';
import { createStep, createWorkflow } from '@mastra/core/workflows';
import { LibSQLStore } from '@mastra/libsql';
import { z } from 'zod';

/** Runs `steps` steps with a fresh database at `file`; returns { ms, persisted }. */
export async function runMastra(steps, file) {
  const schema = z.object({ n: z.number() });
  const count = createStep({
    id: 'count',
    inputSchema: schema,
    outputSchema: schema,
    execute: async ({ inputData }) => ({ n: inputData.n + 1 }),
  });
  const loop = createWorkflow({ id: 'loop', inputSchema: schema, outputSchema: schema })
    .dountil(count, async ({ inputData }) => inputData.n >= steps)
    .commit();
  const storage = new LibSQLStore({ id: 'bench', url: `file:${file}` });
  const mastra = new Mastra({ workflows: { loop }, storage, logger: false });
  // Counts the snapshots written (what Mastra persists per step), without changing how they are written.
  let persisted = 0;
  const workflows = await storage.getStore('workflows');
  const persist = workflows.persistWorkflowSnapshot.bind(workflows);
  workflows.persistWorkflowSnapshot = (args) => {
    persisted++;
    return persist(args);
  };
  const run = await mastra.getWorkflow('loop').createRun();
  const started = process.hrtime.bigint();
  const result = await run.start({ inputData: { n: 0 } });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 'success' || result.result.n !== steps)
    throw new Error(`mastra ended ${result.status} at ${JSON.stringify(result.result)}, expected n=${steps}`);
  return { ms, persisted };
}
