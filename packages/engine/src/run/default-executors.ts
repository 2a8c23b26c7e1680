import { executeForEach } from '../groups/for-each.js';
import { executeParallel } from '../groups/parallel.js';
import { executeAgent } from './agent.js';
import { executeHumanGate } from './human-gate.js';
import { executeScript } from './script.js';
import { executeSet } from './set.js';
import { executeSubworkflow } from './subworkflow.js';
import { executeTerminate } from './terminate.js';
import type { StepExecutors } from './types.js';
import { executeWait } from './wait.js';

/**
 * The executors for the step types this engine runs, and for the two kinds of groups (`parallel`,
 * `for_each`), which the executor runs like steps; pass a copy with more entries to add kinds.
 */
export function defaultStepExecutors(): StepExecutors {
  return {
    agent: executeAgent,
    script: executeScript,
    set: executeSet,
    terminate: executeTerminate,
    wait: executeWait,
    workflow: executeSubworkflow,
    human_gate: executeHumanGate,
    parallel: executeParallel,
    for_each: executeForEach,
  };
}
