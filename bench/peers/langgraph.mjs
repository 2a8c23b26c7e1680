// The loop in LangGraph.js: one node that counts, a conditional edge back to it until N, compiled with
// SqliteSaver (a file in a temp folder) so each super-step writes a checkpoint. `durability: 'sync'`
// makes each checkpoint written before the next step starts, the guarantee Conductor's log gives.
import { Annotation, END, START, StateGraph } from '@langchain/langgraph';
import { SqliteSaver } from '@langchain/langgraph-checkpoint-sqlite';

/** Runs `steps` steps in a fresh database at `file`; returns { ms, persisted }. */
export async function runLangGraph(steps, file) {
  const State = Annotation.Root({ n: Annotation() });
  const saver = SqliteSaver.fromConnString(file);
  // better-sqlite3 opens with SQLite's default synchronous=FULL (an fsync per commit in WAL mode).
  // Conductor's log is in the OS at each step and fsynced only before a checkpoint and at the end, so
  // the peer gets the same durability: NORMAL (the WAL fsynced at its checkpoints, not per commit).
  saver.setup();
  saver.db.pragma('synchronous = NORMAL');
  const graph = new StateGraph(State)
    .addNode('count', (state) => ({ n: state.n + 1 }))
    .addEdge(START, 'count')
    .addConditionalEdges('count', (state) => (state.n < steps ? 'count' : END))
    .compile({ checkpointer: saver });
  const started = process.hrtime.bigint();
  const result = await graph.invoke(
    { n: 0 },
    { configurable: { thread_id: 'bench' }, recursionLimit: steps + 10, durability: 'sync' },
  );
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.n !== steps) throw new Error(`langgraph counted to ${result.n}, expected ${steps}`);
  const persisted = saver.db.prepare('SELECT count(*) AS c FROM checkpoints').get().c;
  saver.db.close();
  return { ms, persisted };
}
