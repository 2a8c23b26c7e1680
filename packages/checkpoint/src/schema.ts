import { isAbsolute } from 'node:path';
import * as v from 'valibot';
import { RUN_ID } from './paths.js';

/** The format this conductor writes. */
export const CHECKPOINT_VERSION = 2;

export const CHECKPOINT_TRIGGERS = [
  'failure',
  'interrupt',
  'periodic',
  'timeout',
  'iteration_limit',
] as const;

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

const count = v.pipe(v.number(), v.integer(), v.minValue(0));
const name = v.pipe(v.string(), v.minLength(1));
// Not v.record: it accepts arrays (turning ['x'] into {0: 'x'}); a checkpoint's maps are JSON objects.
const record = v.custom<Record<string, unknown>>(
  (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
  'Object',
);

export const CheckpointTriggerSchema = v.picklist(CHECKPOINT_TRIGGERS);

export const CheckpointFailureSchema = v.looseObject({
  error_type: v.string(),
  message: v.string(),
  agent_name: v.optional(v.nullable(v.string())),
});

/** One executed step. Loose: the engine may record more (status, output, elapsed...). */
export const ExecutionRecordSchema = v.looseObject({
  step: name,
  /** 1-based: the how-many-th time this step ran. */
  iteration: count,
  status: v.optional(v.string()),
  output: v.optional(v.unknown()),
});

export const CheckpointContextSchema = v.looseObject({
  workflow_inputs: record,
  /** Step name → its latest output. */
  step_outputs: record,
  execution_history: v.array(ExecutionRecordSchema),
  /** Steps executed so far, counted against `limits.max_iterations`. */
  current_iteration: v.optional(count),
  /** Partial state of parallel / for-each groups, so a resume can continue mid-group. */
  groups: v.optional(record),
});

export const CheckpointLimitsSchema = v.looseObject({
  max_iterations: v.pipe(v.number(), v.integer(), v.minValue(1)),
  timeout_seconds: v.nullable(v.pipe(v.number(), v.minValue(0))),
  elapsed_seconds: v.optional(v.pipe(v.number(), v.minValue(0))),
});

/**
 * A version 2 checkpoint: where a run stopped and what it needs to continue. Loose objects keep
 * fields a newer conductor adds (a new format gets a new version); the known fields are strict.
 */
export const CheckpointSchema = v.looseObject({
  version: v.literal(CHECKPOINT_VERSION),
  run_id: v.pipe(v.string(), v.regex(RUN_ID, 'a run id of 1 to 64 of A-Za-z0-9_-')),
  /** 0 for the original run, 1 after the first resume, ... */
  generation: count,
  workflow_path: v.pipe(v.string(), v.check(isAbsolute, 'an absolute path')),
  /** The workflow's `name` (absent in checkpoints written before it was kept). */
  workflow_name: v.optional(v.string()),
  workflow_hash: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, 'a lowercase sha256 hex digest')),
  created_at: v.pipe(
    v.string(),
    v.check(
      (s) => ISO_TIMESTAMP.test(s) && !Number.isNaN(Date.parse(s)),
      'an ISO 8601 timestamp with a time zone',
    ),
  ),
  trigger: CheckpointTriggerSchema,
  failure: v.nullable(CheckpointFailureSchema),
  inputs: record,
  /** The step to continue at. */
  current_step: name,
  context: CheckpointContextSchema,
  limits: CheckpointLimitsSchema,
  /** The run's JSONL log, if it has one. */
  event_log_path: v.nullable(v.pipe(v.string(), v.check(isAbsolute, 'an absolute path'))),
  /** The seq of the last event emitted before this checkpoint; a resume continues after it. */
  last_seq: count,
  /** Set when the checkpoint was read from an older format. */
  migrated_from: v.optional(v.literal(1)),
});

export type Checkpoint = v.InferOutput<typeof CheckpointSchema>;
export type CheckpointTrigger = v.InferOutput<typeof CheckpointTriggerSchema>;
export type CheckpointFailure = v.InferOutput<typeof CheckpointFailureSchema>;
export type CheckpointContext = v.InferOutput<typeof CheckpointContextSchema>;
export type CheckpointLimits = v.InferOutput<typeof CheckpointLimitsSchema>;
export type ExecutionRecord = v.InferOutput<typeof ExecutionRecordSchema>;

/**
 * The original Python conductor's format. Only what a resume needs is required; unknown keys
 * (`copilot_session_ids`, ...) are dropped.
 */
export const CheckpointV1Schema = v.object({
  version: v.literal(1),
  workflow_path: v.pipe(v.string(), v.check(isAbsolute, 'an absolute path')),
  workflow_hash: v.string(),
  created_at: v.union([v.string(), v.number()]),
  trigger: v.nullish(v.string()),
  failure: v.nullish(
    v.looseObject({
      error_type: v.nullish(v.string()),
      message: v.nullish(v.string()),
      agent_name: v.nullish(v.string()),
    }),
  ),
  inputs: v.nullish(record),
  current_agent: name,
  context: v.looseObject({
    workflow_inputs: v.nullish(record),
    agent_outputs: v.nullish(record),
    execution_history: v.nullish(v.array(v.union([v.string(), record]))),
    current_iteration: v.nullish(count),
  }),
  limits: v.looseObject({
    max_iterations: v.pipe(v.number(), v.integer(), v.minValue(1)),
    timeout_seconds: v.nullish(v.pipe(v.number(), v.minValue(0))),
  }),
  run_id: v.nullish(v.string()),
  // The original writes "" when the run had no log (and `run_id: ""` when it had no id).
  event_log_path: v.nullish(
    v.union([v.literal(''), v.pipe(v.string(), v.check(isAbsolute, 'an absolute path'))]),
  ),
});

export type CheckpointV1 = v.InferOutput<typeof CheckpointV1Schema>;
