import { hashWorkflowSource } from '@conductor/checkpoint';
import { runnableSteps } from '../run/runnable.js';
import { loadWorkflow } from '../workflow/load.js';
import type { LoadedWorkflow } from '../workflow/types.js';
import { ResumeError } from './errors.js';
import { exists, type ResumePlan, type ResumeTarget } from './resume-plan.js';

/** The workflow a resume continues with, checked against the run it continues. */
export interface ContinueWith {
  /** The workflow to run: with the checkpoint's max_iterations unless the file changed since. */
  workflow: LoadedWorkflow;
  /** The sha256 the run recorded and the file's now, when they differ. */
  hashChanged: { checkpoint: string; current: string } | null;
  /** The step the run continues at (one the workflow has). */
  step: string;
}

/**
 * Loads the workflow to continue with (the one given, else the run's own file) and refuses one that
 * is another workflow (`forceWorkflow` allows a renamed one) or lacks the step to continue at. A
 * changed file is a warning in `plan.warnings`.
 */
export async function workflowToContinue(
  options: ResumeTarget & { forceWorkflow?: boolean | undefined },
  plan: ResumePlan,
  env: Record<string, string | undefined>,
): Promise<ContinueWith> {
  const { runId, checkpoint } = plan;
  const loaded = await workflowFor(options, plan, env);
  const recordedName =
    checkpoint?.workflow_name ?? plan.record?.workflow_name ?? plan.state.workflowName ?? null;
  const name = loaded.definition.workflow.name;
  if (recordedName !== null && recordedName !== name && !options.forceWorkflow) {
    throw new ResumeError(
      'CONDUCTOR_RESUME_OTHER_WORKFLOW',
      `run ${runId} was started with workflow "${recordedName}", but ${loaded.path ?? 'the workflow given'} is workflow "${name}"; ` +
        'a checkpoint of one workflow is not continued in another. Pass the workflow file the run was started with' +
        `${checkpoint?.workflow_path ? ` (${checkpoint.workflow_path})` : ''}, or, if "${name}" is the same workflow renamed, ` +
        'add --force-workflow (resumeWorkflow({ forceWorkflow: true })).',
    );
  }
  const currentHash = loaded.hash || hashWorkflowSource(loaded.source);
  const recordedHash = checkpoint?.workflow_hash ?? plan.record?.workflow_hash ?? null;
  const hashChanged = recordedHash !== null && recordedHash !== currentHash;
  if (hashChanged) {
    plan.warnings.push(
      `the workflow file ${loaded.path ?? '(in memory)'} changed since the run was checkpointed ` +
        `(sha256 ${recordedHash.slice(0, 12)}… then, ${currentHash.slice(0, 12)}… now); continuing with the current file`,
    );
  }
  const step = plan.state.state.currentStep;
  if (step === null || !runnableSteps(loaded.definition).has(step)) {
    throw new ResumeError(
      'CONDUCTOR_RESUME_UNKNOWN_STEP',
      `run ${runId} continues at step "${step}", which workflow ${loaded.path ?? '(in memory)'} does not have ` +
        '(was it renamed?). Restore the step, or pass the workflow file the run was started with: ' +
        `conductor resume <workflow.yaml> --run ${runId} (resumeWorkflow({ workflow })).`,
    );
  }
  // max_iterations keeps counting from the restored iteration, under the checkpoint's limit
  // unless the workflow file was changed (e.g. to raise it).
  const workflow =
    checkpoint && !hashChanged ? withMaxIterations(loaded, checkpoint.limits.max_iterations) : loaded;
  return {
    workflow,
    hashChanged: hashChanged ? { checkpoint: recordedHash, current: currentHash } : null,
    step,
  };
}

async function workflowFor(
  options: ResumeTarget,
  plan: ResumePlan,
  env: Record<string, string | undefined>,
): Promise<LoadedWorkflow> {
  if (typeof options.workflow === 'object') return options.workflow;
  const path =
    options.workflow ??
    plan.checkpoint?.workflow_path ??
    plan.record?.workflow_path ??
    plan.state.workflowPath;
  if (!path) {
    throw new ResumeError(
      'CONDUCTOR_RESUME_WORKFLOW_NOT_FOUND',
      `run ${plan.runId} does not record its workflow file; pass it: conductor resume <workflow.yaml> --run ${plan.runId} ` +
        '(resumeWorkflow({ workflow })).',
    );
  }
  if (!(await exists(path))) {
    throw new ResumeError(
      'CONDUCTOR_RESUME_WORKFLOW_NOT_FOUND',
      `the workflow file of run ${plan.runId}, ${path}, does not exist. Restore it, or pass the workflow to ` +
        `continue with: conductor resume <workflow.yaml> --run ${plan.runId} (resumeWorkflow({ workflow })).`,
    );
  }
  return loadWorkflow(path, { env });
}

function withMaxIterations(loaded: LoadedWorkflow, maxIterations: number): LoadedWorkflow {
  const settings = loaded.definition.workflow;
  if (settings.limits?.max_iterations === maxIterations) return loaded;
  return {
    ...loaded,
    definition: {
      ...loaded.definition,
      workflow: { ...settings, limits: { ...settings.limits, max_iterations: maxIterations } },
    },
  };
}
