import { assertRunId } from '@conductor/event-log';
import { workflowToContinue } from '../durable/continue-with.js';
import { createLateBus } from '../durable/late-bus.js';
import { stopOrphans } from '../durable/orphans.js';
import { peekRunId, planResume, type ResumeTarget, resumeRunId } from '../durable/resume-plan.js';
import { resolveMaxOutputChars } from '../outputs/limits.js';
import { resolveHome } from '../run/home.js';
import { workflowOutline } from '../run/outline.js';
import { prepareProviders } from '../run/providers.js';
import { budgetWarningFor } from '../workflow/pricing.js';
import type { WorkflowRun } from './handle.js';
import type { ExecutionOptions } from './options.js';
import { runEnvironment, startRun } from './setup.js';

export interface ResumeOptions extends ExecutionOptions, ResumeTarget {
  /**
   * Continue even though the workflow's `name` is not the one the run was started with (a renamed
   * workflow). Without it such a resume is refused (CONDUCTOR_RESUME_OTHER_WORKFLOW): a checkpoint of
   * one workflow must not run in another whose step names happen to match.
   */
  forceWorkflow?: boolean;
  /**
   * Guidance for the rest of the run (`--guidance`, at most 10,000 characters each): every agent prompt
   * ends with it under `[User Guidance]`. Recorded in `workflow_resumed.guidance`; a later resume needs it given again.
   */
  guidance?: readonly string[];
}

/**
 * Continues a run that failed, was interrupted or was killed: same run id, same events.jsonl
 * (appended to, seq continuing), the newest known state (the latest checkpoint, then every later
 * event of the log folded on top; the log alone when there is no checkpoint). Emits
 * `workflow_resumed` first, then runs from the step to continue at.
 *
 * `result` rejects, changing nothing on disk, when the run cannot be resumed: CONDUCTOR_CHECKPOINT_*
 * (unreadable checkpoint), CONDUCTOR_RESUME_NOTHING, _WORKFLOW_NOT_FOUND, _COMPLETED, _RUNNING,
 * _UNKNOWN_STEP, or the workflow and provider errors of runWorkflow.
 *
 * `runId` is known at once when `options.runId` or a readable `options.from` is given; when the run
 * is looked up by workflow it is '' until the lookup is done (before the first event).
 */
export function resumeWorkflow(options: ResumeOptions): WorkflowRun {
  const { env, clock } = runEnvironment(options);
  const home = resolveHome({ home: options.home, env });
  let runId =
    options.runId !== undefined ? assertRunId(options.runId) : options.from ? peekRunId(options.from) : '';
  const bus = createLateBus();
  const warnings: string[] = [];

  return startRun(options, {
    runId: () => runId,
    bus,
    ownsBus: true,
    warnings,
    home,
    eventLog: true,
    async start({ started, recorder, execute }) {
      const maxChars = resolveMaxOutputChars(options.maxOutputChars, env);
      // Which run, read from the options or the newest resumable run of the workflow (nothing written).
      runId = await resumeRunId(options, home, (id) => recorder.inStore(id));
      // One owner: from here on no other process writes to this run, so the plan below stays true.
      // A second resume of the same run stops here with RunOwnedError, having written nothing.
      await recorder.claim(runId, 'resume');
      // Everything that can refuse the resume happens before anything on disk changes.
      const plan = await planResume(options.from !== undefined ? options : { ...options, runId }, home);
      const { checkpoint, state, history } = plan;
      const continued = await workflowToContinue(options, plan, env);
      const { hashChanged, step } = continued;
      // The original conductor keeps the guidance it was given in its checkpoint's context.
      const guidance = [...guidanceIn(checkpoint?.context.user_guidance), ...(options.guidance ?? [])];
      const workflow = guidance.length > 0 ? { ...continued.workflow, guidance } : continued.workflow;
      const providers = await prepareProviders(workflow, options, env);

      const writer = await recorder.openExisting(runId);
      if (writer?.repaired?.action === 'moved-fragment') {
        plan.warnings.push(
          `the last line of ${writer.path} was cut short (the process was killed while writing it); ` +
            `its ${writer.repaired.bytes} bytes were moved to ${writer.repaired.fragmentPath}`,
        );
      }
      // Earlier history the run's log lacks (an imported log, a summary) goes in first, numbered
      // before anything this generation emits.
      const logged = writer?.lastSeq ?? 0;
      const appended = await recorder.appendHistory(
        history.toAppend(logged, workflowOutline(workflow, providers)),
      );
      const lastSeq = Math.max(logged, checkpoint?.last_seq ?? 0, state.lastSeq, appended);
      warnings.push(...plan.warnings);

      const generation =
        Math.max(checkpoint?.generation ?? 0, plan.record?.generation ?? 0, state.generation) + 1;
      bus.connect({ lastSeq, clock });
      await recorder.begin(
        {
          runId,
          workflow,
          inputs: state.inputs,
          generation,
          startedAt: state.state.startedAt,
          ...(options.metadata ? { metadata: options.metadata } : {}),
        },
        plan.record,
      );
      bus.emit('workflow_resumed', {
        run_id: runId,
        checkpoint_path: plan.checkpointPath,
        checkpoint_created_at: checkpoint?.created_at ?? null,
        resumed_at_step: step,
        generation,
        history_source: history.source,
        log_file: recorder.logPath,
        state_source: checkpoint ? (state.folded > 0 ? 'checkpoint+log' : 'checkpoint') : 'log',
        ...(checkpoint?.migrated_from ? { migrated_from: checkpoint.migrated_from } : {}),
        ...(options.metadata ? { metadata: { ...options.metadata } } : {}),
        ...(guidance.length > 0 ? { guidance } : {}),
        ...(hashChanged ? { workflow_hash_changed: hashChanged } : {}),
        ...(warnings.length > 0 ? { resume_warning: warnings.join('\n') } : {}),
      });
      const budgetWarning = budgetWarningFor(workflow.definition);
      if (budgetWarning) warnings.push(budgetWarning);
      started({ workflowName: workflow.definition.workflow.name, workflow });
      // A script the previous owner left running when it died is stopped before its step runs again.
      const stuck = (await stopOrphans(plan.unfinishedChildren, bus)).filter(
        (o) => o.result === 'survived' || o.result === 'unknown-host',
      );
      for (const { child, result } of stuck) {
        warnings.push(
          `process ${child.leader.pid} of step "${child.agentName}" (${child.kind}) ${result === 'survived' ? 'survived SIGKILL' : `runs on host ${child.leader.host}`} and may still be running`,
        );
      }

      const { inputs, state: from } = state;
      return execute({ runId, workflow, inputs, state: from, generation, providers, maxChars });
    },
  });
}

/** `context.user_guidance` of a checkpoint: the texts, when it is a list of them. */
function guidanceIn(value: unknown): string[] {
  return Array.isArray(value)
    ? value.filter((text): text is string => typeof text === 'string' && text !== '')
    : [];
}
