import { createHash } from 'node:crypto';
import * as v from 'valibot';
import { type CheckpointFieldIssue, CheckpointInvalidError, CheckpointVersionError } from './errors.js';
import { RUN_ID } from './paths.js';
import {
  type Checkpoint,
  CheckpointSchema,
  type CheckpointTrigger,
  type CheckpointV1,
  CheckpointV1Schema,
  type ExecutionRecord,
} from './schema.js';

/**
 * Validates a parsed checkpoint of any known version and returns it in the current format (2).
 * `file` only names the source in error messages.
 */
export function migrateCheckpoint(raw: unknown, file: string | null = null): Checkpoint {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new CheckpointInvalidError(file, [
      {
        field: '(root)',
        expected: 'Object',
        received: describe(raw),
        message: 'a checkpoint is a JSON object',
      },
    ]);
  }
  const { version } = raw as { version?: unknown };
  if (version === 2) return validate(CheckpointSchema, raw, file);
  if (version === 1) return fromV1(validate(CheckpointV1Schema, raw, file), raw, file);
  if (version === undefined) {
    throw new CheckpointInvalidError(file, [
      {
        field: 'version',
        expected: '1 | 2',
        received: 'undefined',
        message: 'the checkpoint has no version',
      },
    ]);
  }
  throw new CheckpointVersionError(file, version);
}

/** Checks a checkpoint before it is saved; throws {@link CheckpointInvalidError} naming each bad field. */
export function validateCheckpoint(checkpoint: unknown, file: string | null = null): Checkpoint {
  return validate(CheckpointSchema, checkpoint, file);
}

function validate<S extends v.GenericSchema>(schema: S, raw: unknown, file: string | null): v.InferOutput<S> {
  const result = v.safeParse(schema, raw);
  if (result.success) return result.output;
  throw new CheckpointInvalidError(file, result.issues.map(toFieldIssue));
}

function toFieldIssue(issue: v.BaseIssue<unknown>): CheckpointFieldIssue {
  // Our checks and regexes carry what they expect as their message ('an absolute path').
  const custom = issue.type === 'check' || issue.type === 'regex' || issue.type === 'custom';
  return {
    field: v.getDotPath(issue) ?? '(root)',
    expected: custom ? issue.message : issue.expected,
    received: issue.received,
    message: issue.message,
  };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'Array';
  return typeof value;
}

function fromV1(old: CheckpointV1, raw: object, file: string | null): Checkpoint {
  const createdAt =
    typeof old.created_at === 'number' ? new Date(old.created_at * 1000) : new Date(old.created_at);
  const hash = old.workflow_hash.replace(/^sha256:/i, '').toLowerCase();
  const failure = old.failure
    ? {
        ...old.failure,
        error_type: old.failure.error_type ?? 'Error',
        message: old.failure.message ?? '',
        agent_name: old.failure.agent_name ?? null,
      }
    : null;
  const history = normalizeHistory(old.context.execution_history ?? [], file);
  const { workflow_inputs, agent_outputs, execution_history, current_iteration, ...otherContext } =
    old.context;
  const candidate = {
    version: 2,
    run_id: legacyRunId(old, raw),
    generation: 0,
    workflow_path: old.workflow_path,
    workflow_hash: hash,
    created_at: Number.isNaN(createdAt.getTime()) ? old.created_at : createdAt.toISOString(),
    trigger: triggerOf(old),
    failure,
    inputs: old.inputs ?? workflow_inputs ?? {},
    current_step: old.current_agent,
    context: {
      ...otherContext,
      workflow_inputs: workflow_inputs ?? old.inputs ?? {},
      step_outputs: agent_outputs ?? {},
      execution_history: history,
      current_iteration: current_iteration ?? history.length,
    },
    limits: { ...old.limits, timeout_seconds: old.limits.timeout_seconds ?? null },
    event_log_path: old.event_log_path || null,
    // The original wrote no seq; its log lines are numbered by order when read.
    last_seq: 0,
    migrated_from: 1,
  };
  // Validates the result too, so a v1 value that cannot be carried over is reported by field.
  return validate(CheckpointSchema, candidate, file);
}

/** An unknown trigger is kept, so validation reports it by name. Older files had none. */
function triggerOf(old: CheckpointV1): CheckpointTrigger | string {
  return old.trigger ?? (old.failure ? 'failure' : 'interrupt');
}

/**
 * The original's run id if it can name a folder. Otherwise one derived from the checkpoint itself: its
 * id when it has one, else its whole content (the original writes `run_id: ""` or none for a run without
 * an id), so reading the same file always gives the same id and two files never share one.
 */
function legacyRunId(old: CheckpointV1, raw: object): string {
  if (old.run_id && RUN_ID.test(old.run_id)) return old.run_id;
  const seed = old.run_id ? old.run_id : `file\0${JSON.stringify(raw)}`;
  return `legacy-${createHash('sha256').update(seed).digest('hex').slice(0, 16)}`;
}

const NAME_KEYS = ['step', 'agent_name', 'agent', 'name'] as const;

/**
 * The original recorded history as agent names or dicts. Each becomes a record with `step` and a
 * 1-based `iteration`: the how-many-th run of that step, counted when the original did not say.
 */
function normalizeHistory(
  entries: readonly (string | Record<string, unknown>)[],
  file: string | null,
): ExecutionRecord[] {
  const runs = new Map<string, number>();
  return entries.map((entry, i) => {
    let record: Record<string, unknown>;
    let step: unknown;
    if (typeof entry === 'string') {
      record = {};
      step = entry;
    } else {
      const key = NAME_KEYS.find((k) => typeof entry[k] === 'string');
      step = key === undefined ? undefined : entry[key];
      record = { ...entry };
      if (key !== undefined) delete record[key];
    }
    if (typeof step !== 'string' || step === '') {
      throw new CheckpointInvalidError(file, [
        {
          field: `context.execution_history.${i}`,
          expected: 'an agent name or an object with "agent_name"',
          received: JSON.stringify(entry).slice(0, 80),
          message: 'history entry names no agent',
        },
      ]);
    }
    const given = record.iteration;
    const iteration =
      typeof given === 'number' && Number.isInteger(given) && given >= 0 ? given : (runs.get(step) ?? 0) + 1;
    runs.set(step, Math.max(runs.get(step) ?? 0, iteration));
    return { ...record, step, iteration };
  });
}
