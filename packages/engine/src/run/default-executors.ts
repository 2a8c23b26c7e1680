import { executeForEach } from '../groups/for-each.js';
import { executeParallel } from '../groups/parallel.js';
import { executeAgent } from '../steps/agent.js';
import { executeHumanGate } from '../steps/human-gate.js';
import { executeQuestions } from '../steps/questions.js';
import { executeScript } from '../steps/script.js';
import { executeSet } from '../steps/set.js';
import { executeSubworkflow } from '../steps/subworkflow.js';
import { executeTerminate } from '../steps/terminate.js';
import type { StepExecutors } from '../steps/types.js';
import { executeWait } from '../steps/wait.js';

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
    questions: executeQuestions,
    parallel: executeParallel,
    for_each: executeForEach,
  };
}
