import { round } from '../steps/common.js';
import { describeError, StepFailure } from '../steps/errors.js';
import { merged } from '../steps/merge.js';
import type { StepContext, StepExecutor, StepResult, TemplateScope } from '../steps/types.js';
import { jsonSafe, valueRepr } from '../steps/values.js';
import type { ForEachGroup, StepDefinition } from '../workflow/types.js';
import { createGroupTally, DEFAULT_FAILURE_MODE, finishGroup, type GroupError } from './common.js';

/** The original's default for `max_concurrent`. */
export const DEFAULT_MAX_CONCURRENT = 10;

/** An item's failure in `<group>.errors`: its error plus where it was. */
export interface ForEachError extends GroupError {
  /** The original's name for `key`. */
  item_key: string;
  index: number;
  key: string;
}

/**
 * A for-each group's output, in the original's shape. `outputs`: the outputs of the items that succeeded,
 * in item order (a failed item is left out, so later indices shift), or with `key_by` a mapping key → output;
 * `errors`: by key (the index as a string without `key_by`); `count`: the number of items.
 */
export interface ForEachOutput {
  type: 'for_each';
  outputs: unknown[] | Record<string, unknown>;
  errors: Record<string, ForEachError>;
  count: number;
}

/** The `agent_name` of item `index`'s events: `<group>[<index>]`, one step per item in the projection. */
export function itemAgentName(group: string, index: number): string {
  return `${group}[${index}]`;
}

/** The group name of an item's `agent_name` (`each[3]` → `each`), or null. */
export function groupOfItemName(agentName: string): string | null {
  const match = /^(.*)\[\d+\]$/.exec(agentName);
  return match?.[1] ?? null;
}

/**
 * Runs the group's body once per item of `source`, at most `max_concurrent` at a time as a sliding
 * window: a new item starts as soon as one ends. The body sees the item as `<as>`, its index as
 * `_index` and its key as `_key` (`key_by`, else the index as a string), and the context as it was
 * before the group. Items finished in an earlier attempt of the run (`ctx.progress()`) are not run
 * again. A for-each group counts as one step against `limits.max_iterations`.
 */
export const executeForEach: StepExecutor<ForEachGroup> = async (
  ctx: StepContext<ForEachGroup>,
): Promise<StepResult> => {
  const group = ctx.step;
  const group_name = group.name;
  const mode = group.failure_mode ?? DEFAULT_FAILURE_MODE;
  const maxConcurrent = Math.max(1, group.max_concurrent ?? DEFAULT_MAX_CONCURRENT);
  const started = ctx.clock();

  const items = await sourceItems(ctx);
  const keys: string[] = [];
  // Without key_by a key is the index: no render, and no await per item before the first one starts.
  for (const [index, item] of items.entries())
    keys.push(group.key_by === undefined ? String(index) : await itemKey(ctx, item, index));
  const progress = ctx.progress();
  if (progress.item_count !== undefined && progress.item_count !== items.length) {
    // The list changed since the earlier attempt: its progress says nothing about this one.
    for (const key of Object.keys(progress.completed)) delete progress.completed[key];
  }
  progress.item_count = items.length;

  ctx.emit('for_each_started', {
    group_name,
    item_count: items.length,
    max_concurrent: maxConcurrent,
    failure_mode: mode,
    iteration: ctx.iteration,
    ...(Object.keys(progress.completed).length > 0
      ? { resumed_count: Object.keys(progress.completed).length }
      : {}),
  });

  const results: unknown[] = new Array(items.length).fill(null);
  const succeeded = new Array<boolean>(items.length).fill(false);
  const errors: Record<string, ForEachError> = {};
  const tally = createGroupTally<ForEachError>(ctx, mode);
  const todo: number[] = [];
  for (let index = 0; index < items.length; index++) {
    if (Object.hasOwn(progress.completed, String(index))) {
      results[index] = progress.completed[String(index)];
      succeeded[index] = true;
      tally.succeeded();
    } else {
      todo.push(index);
    }
  }

  const body = bodyStep(group);

  const runItem = async (index: number): Promise<void> => {
    const item_key = keys[index] as string;
    const itemStarted = ctx.clock();
    ctx.emit('for_each_item_started', {
      group_name,
      item_key,
      index,
      item_preview: itemPreview(items[index]),
    });
    try {
      const locals: TemplateScope = { [group.as]: items[index], _index: index, _key: item_key };
      const result = await ctx.runChild(
        merged(body, { name: itemAgentName(group_name, index) }) as StepDefinition,
        { locals, eventFields: { group_name, item_key, index }, signal: tally.signal },
      );
      results[index] = result.output;
      succeeded[index] = true;
      progress.completed[String(index)] = result.output;
      tally.succeeded();
      ctx.emit('for_each_item_completed', {
        group_name,
        item_key,
        index,
        elapsed: round(ctx.clock() - itemStarted),
        output: result.output,
      });
    } catch (error) {
      tally.failed(error, {
        keep(failure) {
          errors[item_key] = { item_key, ...failure, index, key: item_key };
          return errors[item_key];
        },
        emit(failure) {
          ctx.emit('for_each_item_failed', {
            group_name,
            item_key,
            index,
            elapsed: round(ctx.clock() - itemStarted),
            ...failure,
          });
        },
        cancelReason: `cancelled: item ${index} of for-each group "${group_name}" failed (fail_fast)`,
      });
    }
  };

  // A sliding window: each worker takes the next item as soon as its current one ends.
  let next = 0;
  const turn = eventLoopTurns();
  const worker = async (): Promise<void> => {
    while (next < todo.length && !tally.signal.aborted) {
      const turning = turn();
      if (turning) {
        // A stop may have come in during the turn: look again before taking an item.
        await turning;
        continue;
      }
      const index = todo[next++] as number;
      await runItem(index);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(maxConcurrent, todo.length) }, worker));
  } finally {
    tally.dispose();
  }

  const output: ForEachOutput = {
    type: 'for_each',
    outputs:
      group.key_by === undefined
        ? results.filter((_, index) => succeeded[index])
        : keyedOutputs(results, succeeded, keys),
    errors,
    count: items.length,
  };
  return finishGroup(ctx, tally, {
    event: 'for_each_completed',
    started,
    output,
    failure: (first) =>
      new StepFailure(
        group_name,
        first?.error_type ?? 'ForEachGroupFailed',
        `for-each group "${group_name}" failed (failure_mode: ${mode}): ${tally.failures} of ${items.length} items failed` +
          `${first ? `; item ${first.index} (key ${JSON.stringify(first.key)}): ${first.message}` : ''}`,
        { details: { group_errors: errors } },
      ),
  });
};

/**
 * The longest a group's items that do not wait (set steps, templates) keep the event loop from turning, as
 * the step loop does between steps: without it a stop, the run's timeout, a dashboard in this process and the
 * log's flush waited for the whole group (a 50,000-item group of set steps: seconds).
 */
const TURN_EVERY_MS = 5;

/**
 * Returns a turn of the event loop to wait for once TURN_EVERY_MS have passed since the last one (the
 * workers that ask meanwhile wait for the same turn), else null: no await, so a group that ends within
 * TURN_EVERY_MS runs exactly as it would without this.
 */
function eventLoopTurns(): () => Promise<void> | null {
  let last = performance.now();
  let turning: Promise<void> | null = null;
  return () => {
    if (turning) return turning;
    if (performance.now() - last < TURN_EVERY_MS) return null;
    turning = new Promise<void>((resolve) =>
      setImmediate(() => {
        turning = null;
        last = performance.now();
        resolve();
      }),
    );
    return turning;
  };
}

function keyedOutputs(results: unknown[], succeeded: boolean[], keys: string[]): Record<string, unknown> {
  const outputs: Record<string, unknown> = {};
  results.forEach((result, index) => {
    if (succeeded[index]) outputs[keys[index] as string] = result;
  });
  return outputs;
}

/** The body as a step definition (type `agent` when omitted), named per item by the caller. */
function bodyStep(group: ForEachGroup): Omit<StepDefinition, 'name'> {
  const body = group.agent as Record<string, unknown>;
  return { ...body, type: body.type ?? 'agent' } as unknown as Omit<StepDefinition, 'name'>;
}

/** The list `source` names in the context before the group. */
async function sourceItems(ctx: StepContext<ForEachGroup>): Promise<unknown[]> {
  const group = ctx.step;
  let value: unknown;
  try {
    value = await ctx.templates.evaluateExpression(group.source, ctx.scope, {
      file: ctx.workflow.path,
      step: group.name,
      field: 'source',
    });
  } catch (error) {
    const { message } = describeError(error);
    throw new StepFailure(
      group.name,
      'ForEachSourceError',
      `for-each group "${group.name}": its source "${group.source}" cannot be read: ${message}`,
      { cause: error },
    );
  }
  if (!Array.isArray(value)) {
    throw new StepFailure(
      group.name,
      'ForEachSourceError',
      `for-each group "${group.name}": its source "${group.source}" is ${describeKind(value)}, not a list: ${valueRepr(value, 200)}`,
    );
  }
  return jsonSafe(value) as unknown[];
}

/** Characters of an item's value its start event carries, to label it when it has no key. */
const ITEM_PREVIEW_CHARS = 80;
const WHITESPACE = /\s/;

/** The start of an item's value as one line of text: what the dashboard names an item without `key_by`. */
function itemPreview(item: unknown): string {
  // A number, boolean or null (items are JSON-safe: no NaN) is its JSON text, without whitespace.
  if (typeof item === 'number' || typeof item === 'boolean' || item === null) return String(item);
  let text: string;
  try {
    text = typeof item === 'string' ? item : (JSON.stringify(item) ?? String(item));
  } catch {
    text = String(item);
  }
  if (WHITESPACE.test(text)) text = text.replace(/\s+/g, ' ').trim();
  return text.length > ITEM_PREVIEW_CHARS ? `${text.slice(0, ITEM_PREVIEW_CHARS - 1)}…` : text;
}

/**
 * `key_by` of an item, as a string: a path inside the item (`id`, the original's form), else an expression
 * with the item bound to `as` (`item.id`); the index when it has none.
 */
async function itemKey(ctx: StepContext<ForEachGroup>, item: unknown, index: number): Promise<string> {
  const group = ctx.step;
  if (group.key_by === undefined) return String(index);
  // The original's form: a path inside the item (`id`, `meta.slug`).
  const fromItem = group.key_by
    .split('.')
    .reduce<unknown>(
      (value, part) =>
        typeof value === 'object' && value !== null && Object.hasOwn(value, part)
          ? (value as Record<string, unknown>)[part]
          : undefined,
      item,
    );
  if (fromItem !== undefined && fromItem !== null && fromItem !== '' && /^[\w.]+$/.test(group.key_by)) {
    return typeof fromItem === 'string' ? fromItem : JSON.stringify(fromItem);
  }
  try {
    const key = await ctx.templates.evaluateExpression(
      group.key_by,
      { ...ctx.scope, [group.as]: item, _index: index },
      { file: ctx.workflow.path, step: group.name, field: 'key_by' },
    );
    if (key === null || key === undefined || key === '') return String(index);
    return typeof key === 'string' ? key : JSON.stringify(key);
  } catch (error) {
    // A render past its budget or cut by a stop is no missing key.
    const code = (error as { code?: unknown }).code;
    if (code === 'CONDUCTOR_TEMPLATE_BUDGET' || code === 'CONDUCTOR_TEMPLATE_STOPPED') throw error;
    // The original falls back to the index when an item has no key.
    return String(index);
  }
}

function describeKind(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value}`;
}
