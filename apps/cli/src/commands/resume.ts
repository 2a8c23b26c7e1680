import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { findResumableRun, resumeWorkflow } from '@conductor/engine';
import { conductorHome } from '@conductor/run-folder';
import { UsageError } from '../errors.js';
import type { ExitCodeValue } from '../exit-codes.js';
import {
  type ForegroundOptions,
  parseMaxOutputChars,
  parseMetadataFlags,
  runFromCommandLine,
} from '../foreground.js';
import type { CommandIo } from '../io.js';
import { listOriginalCheckpoints, originalCheckpointsFor } from '../original-files.js';
import { withSharedStore } from '../store.js';
import { checkWorkflowRef } from '../workflow-ref.js';

export interface ResumeCommandOptions extends ForegroundOptions {
  from?: string;
  run?: string;
  provider?: string;
  mockResponses?: string;
  forceWorkflow?: boolean;
  guidance?: string[];
  store?: string;
}

/** The original's limit on one `--guidance` text. */
const MAX_GUIDANCE_CHARS = 10_000;

export async function resumeCommand(
  io: CommandIo,
  workflow: string | undefined,
  options: ResumeCommandOptions,
): Promise<ExitCodeValue> {
  if (!workflow && !options.from && !options.run) {
    throw new UsageError(
      'say which run to resume: `conductor resume <workflow.yaml>` (its newest resumable run), ' +
        '`conductor resume --from <checkpoint.json>` or `conductor resume --run <run-id>`. `conductor checkpoint list` shows them.',
    );
  }
  if (options.from !== undefined && options.run !== undefined) {
    throw new UsageError(
      '--from and --run both say which run to resume; give one of them (a checkpoint names its own run).',
    );
  }
  if (options.from !== undefined && statSync(options.from, { throwIfNoEntry: false })?.isDirectory()) {
    throw new UsageError(
      `--from ${options.from} is a directory; give a checkpoint file, e.g. ` +
        '$CONDUCTOR_HOME/runs/<run-id>/checkpoints/<file>.json, or --run <run-id> for its newest checkpoint.',
    );
  }
  if (workflow !== undefined) checkWorkflowRef(workflow);
  const guidance = options.guidance ?? [];
  for (const text of guidance) {
    if (text.trim() === '' || text.length > MAX_GUIDANCE_CHARS) {
      throw new UsageError(
        `--guidance must be text of 1 to ${MAX_GUIDANCE_CHARS} characters (this one has ${text.length}).`,
      );
    }
  }
  const metadata = parseMetadataFlags(options.metadata);
  const maxOutputChars = parseMaxOutputChars(options.maxOutputChars);
  const from =
    options.from ?? (workflow && !options.run ? await originalCheckpointToResume(io, workflow) : undefined);
  return withSharedStore(io.env, options.store, (store) =>
    runFromCommandLine(
      io,
      (extras) =>
        resumeWorkflow({
          ...(store ? { store } : {}),
          env: io.env,
          from,
          runId: options.run,
          workflow,
          provider: options.provider,
          mockResponses: options.mockResponses,
          forceWorkflow: options.forceWorkflow,
          ...(guidance.length > 0 ? { guidance } : {}),
          ...(metadata ? { metadata } : {}),
          ...(maxOutputChars === undefined ? {} : { maxOutputChars }),
          ...extras,
        }),
      { ...options, source: 'resume', ...(workflow ? { workflowPath: workflow } : {}) },
    ),
  );
}

/**
 * `conductor resume <workflow>` when no run of it under $CONDUCTOR_HOME can be continued: the newest
 * checkpoint the original conductor left for it in its own folder ($TMPDIR/conductor/checkpoints) that
 * was not resumed here yet. Undefined when a run here can be continued (the engine then takes it).
 */
async function originalCheckpointToResume(io: CommandIo, workflow: string): Promise<string | undefined> {
  const home = conductorHome(io.env);
  if (await findResumableRun(workflow, { home, env: io.env })) return undefined;
  const listing = await listOriginalCheckpoints(io.env);
  const candidates = await originalCheckpointsFor(workflow, listing);
  // One already imported has a run here: it completed, or the engine would have found it.
  for (const candidate of candidates) {
    if (!statSync(resolve(home, 'runs', candidate.run_id), { throwIfNoEntry: false })) {
      io.stderr.write(`resuming the original conductor's checkpoint ${candidate.path}\n`);
      return candidate.path;
    }
  }
  // The engine says what it found among runs here (or that one runs elsewhere, exit 3).
  io.stderr.write(
    `no checkpoint of the original conductor to resume for ${workflow} in ${listing.dir}` +
      `${candidates.length > 0 ? ` (${candidates.length} already resumed here)` : ''}\n`,
  );
  return undefined;
}
