import { executeAgent } from './agent.js';
import { executeScript } from './script.js';
import { executeSet } from './set.js';
import { executeTerminate } from './terminate.js';
import type { StepExecutors } from './types.js';
import { executeWait } from './wait.js';

/** The executors for the step types this engine runs; pass a copy with more entries to add kinds. */
export function defaultStepExecutors(): StepExecutors {
  return {
    agent: executeAgent,
    script: executeScript,
    set: executeSet,
    terminate: executeTerminate,
    wait: executeWait,
  };
}
