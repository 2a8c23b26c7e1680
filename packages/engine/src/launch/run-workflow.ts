import { createEventBus, type EventBus } from '@conductor/events';
import { resolveMaxOutputChars } from '../outputs/limits.js';
import { resolveHome } from '../run/home.js';
import { workflowOutline } from '../run/outline.js';
import { prepareProviders } from '../run/providers.js';
import { resolveRunId } from '../run/run-id.js';
import { initialExecutorState } from '../run/state.js';
import { resolveInputs } from '../workflow/inputs.js';
import { loadWorkflow } from '../workflow/load.js';
import { budgetWarningFor } from '../workflow/pricing.js';
import type { LoadedWorkflow } from '../workflow/types.js';
import type { WorkflowRun } from './handle.js';
import type { ExecutionOptions } from './options.js';
import { runEnvironment, startRun } from './setup.js';

export interface RunOptions extends ExecutionOptions {
  /** Workflow inputs; defaults from the workflow's `input:` fill the rest. */
  inputs?: Record<string, unknown>;
  /** Use this id; else `CONDUCTOR_RUN_ID` from `env`; else a new one. */
  runId?: string;
  /**
   * Emit into this bus; it is not closed at the end. The run's log writer subscribes when
   * runWorkflow is called: a listener added to the bus before that may see an event before the log
   * file has it.
   */
  bus?: EventBus;
  /** Reported as `log_file` in `workflow_started`. Default: the run's events.jsonl. */
  logFile?: string;
  /** `$CONDUCTOR_HOME` for the run's files. Default: `CONDUCTOR_HOME` from `env`, then process.env, else ~/.conductor. */
  home?: string;
  /**
   * `false`: write no `runs/<id>/events.jsonl` and no `run.json`. By default every run records its
   * events there, so it can be resumed and shown after the fact.
   */
  eventLog?: boolean;
}

/**
 * Runs a workflow (a loaded one, or a path to load) and returns at once with a handle: its id, its
 * events as they happen, and its result. `await runWorkflow(path)` gives the result.
 */
export function runWorkflow(workflow: LoadedWorkflow | string, options: RunOptions = {}): WorkflowRun {
  const { env, clock } = runEnvironment(options);
  const runId = resolveRunId(options.runId, env, new Date(clock() * 1000));
  const bus = options.bus ?? createEventBus({ clock });
  const warnings: string[] = [];

  return startRun(options, {
    runId: () => runId,
    bus,
    ownsBus: !options.bus,
    warnings,
    home: resolveHome({ home: options.home, env }),
    eventLog: options.eventLog !== false,
    async start({ started, recorder, execute }) {
      const maxChars = resolveMaxOutputChars(options.maxOutputChars, env);
      const loaded = typeof workflow === 'string' ? await loadWorkflow(workflow, { env }) : workflow;
      const { definition } = loaded;
      const inputs = resolveInputs(definition, options.inputs ?? {});
      const providers = await prepareProviders(loaded, options, env);
      const startedAt = clock();

      // Files are created only once the run is known to be able to start. Creating the log exclusively
      // takes the id; the claim then makes this process the run's one owner until it ends.
      await recorder.openNew(runId);
      await recorder.claim(runId, 'run');
      await recorder.begin({
        runId,
        workflow: loaded,
        inputs,
        generation: 0,
        startedAt,
        ...(options.metadata ? { metadata: options.metadata } : {}),
      });
      bus.emit('workflow_started', {
        ...workflowOutline(loaded, providers),
        inputs,
        metadata: { ...(definition.workflow.metadata ?? {}), ...(options.metadata ?? {}) },
        run_id: runId,
        log_file: options.logFile ?? recorder.logPath ?? null,
        yaml_source: loaded.path ?? null,
      });
      const budgetWarning = budgetWarningFor(definition);
      if (budgetWarning) warnings.push(budgetWarning);
      started({ workflowName: definition.workflow.name, workflow: loaded });

      const state = initialExecutorState(definition.workflow.entry_point, startedAt);
      return execute({ runId, workflow: loaded, inputs, state, generation: 0, providers, maxChars });
    },
  });
}
