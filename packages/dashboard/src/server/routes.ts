import type { ConductorEvent, RunState } from '@conductor/events';
import type { Context, Handler } from 'hono';
import * as v from 'valibot';
import {
  type AdditionalInput,
  type ControlAnswer,
  DEFAULT_PAGE,
  type DialogMessageBody,
  type EventsPage,
  type GateAnswerBody,
  type InfoBody,
  MAX_DIALOG_MESSAGE,
  MAX_PAGE,
  type StateBody,
} from '../protocol.js';
import { jsonError } from './errors.js';
import type { HistoryStore, PageQuery } from './history.js';
import { notOwnerMessage, type OwnershipTracker } from './ownership.js';

/**
 * What the run lets the dashboard do. Absent: the dashboard is read-only (501 on control routes).
 * Used only while this process owns the run (409 otherwise).
 */
export interface DashboardControl {
  /** Stops the run with a checkpoint. Called at most once per running generation. */
  stop(): void | Promise<void>;
  /** Answers a pending human gate; false when that gate is not pending (any more). */
  answerGate?(step: string, value: string, additionalInput: AdditionalInput): boolean | Promise<boolean>;
  /** Gives a dialog waiting for the user its next message; false when it is not waiting (any more). */
  answerDialog?(step: string, message: string): boolean | Promise<boolean>;
}

/** What the API routes read. */
export interface ApiContext {
  store: HistoryStore;
  /** Resolves once history is folded into the state. */
  ready: Promise<void>;
  state(): RunState;
  info(): Promise<InfoBody>;
  /** The run's id: given in the options, else the history's. */
  runId(): string | null;
  control: DashboardControl | undefined;
  ownership: OwnershipTracker;
}

const seq = v.pipe(v.string(), v.regex(/^\d{1,15}$/, 'must be an integer >= 0'), v.transform(Number));
const EventsQuery = v.pipe(
  v.object({
    after: v.optional(seq),
    before: v.optional(seq),
    limit: v.optional(v.pipe(seq, v.minValue(1, 'must be at least 1'))),
  }),
  v.check((q) => q.after === undefined || q.before === undefined, 'give either after or before, not both'),
);

const GateBody = v.object({
  step: v.pipe(v.string(), v.minLength(1, 'step must name the gate step')),
  value: v.string('value must be the chosen option value'),
  additional_input: v.optional(v.nullable(v.union([v.string(), v.record(v.string(), v.unknown())])), null),
}) satisfies v.GenericSchema<GateAnswerBody, Required<GateAnswerBody>>;

const DialogBody = v.object({
  step: v.pipe(v.string('step must name the agent step'), v.minLength(1, 'step must name the agent step')),
  message: v.pipe(
    v.string('message must be the text to send'),
    v.regex(/\S/, 'message must not be empty'),
    v.maxLength(MAX_DIALOG_MESSAGE, `message must be at most ${MAX_DIALOG_MESSAGE} characters`),
  ),
}) satisfies v.GenericSchema<DialogMessageBody>;

function issueText(issues: readonly v.BaseIssue<unknown>[]): string {
  const issue = issues[0];
  if (!issue) return 'invalid request';
  const path = v.getDotPath(issue);
  return path ? `${path}: ${issue.message}` : issue.message;
}

/** The request's JSON body checked against `schema`, or the 400 answer saying what is wrong with it. */
async function readBody<S extends v.GenericSchema>(
  c: Context,
  schema: S,
  shape: string,
): Promise<v.InferOutput<S> | Response> {
  let json: unknown;
  try {
    json = await c.req.json();
  } catch {
    return jsonError(c, 400, 'CONDUCTOR_BAD_REQUEST', `the body must be JSON: ${shape}`);
  }
  const parsed = v.safeParse(schema, json);
  return parsed.success
    ? parsed.output
    : jsonError(c, 400, 'CONDUCTOR_BAD_REQUEST', issueText(parsed.issues));
}

export function infoRoute(api: ApiContext): Handler {
  return async function info(c) {
    await api.ready;
    return c.json(await api.info());
  };
}

export function stateRoute(api: ApiContext): Handler {
  return async function state(c) {
    await api.ready;
    const current = api.state();
    return c.json({ state: current, last_seq: current.last_seq } satisfies StateBody);
  };
}

export function eventsRoute(api: ApiContext): Handler {
  return async function events(c) {
    const parsed = v.safeParse(EventsQuery, c.req.query());
    if (!parsed.success) return jsonError(c, 400, 'CONDUCTOR_BAD_REQUEST', issueText(parsed.issues));
    const { after, before } = parsed.output;
    const limit = Math.min(parsed.output.limit ?? DEFAULT_PAGE, MAX_PAGE);
    const query: PageQuery = before !== undefined ? { before, limit } : { after: after ?? 0, limit };
    await api.ready;
    const page = await api.store.page(query);
    return c.json({
      events: page.events,
      last_seq: api.state().last_seq,
      has_more: page.hasMore,
    } satisfies EventsPage);
  };
}

/** The whole history as JSONL, streamed from the store (a line per event, seq always present). */
export function logsRoute(api: ApiContext): Handler {
  return async function logs(c) {
    await api.ready;
    const name = (api.state().run.run_id ?? api.runId() ?? 'run').replace(/[^A-Za-z0-9_.-]/g, '_');
    const iterator = api.store.read(0)[Symbol.asyncIterator]();
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        // About 64 KB per chunk: one enqueue per line would dominate the cost.
        let chunk = '';
        while (chunk.length < 64 * 1024) {
          const next = await iterator.next();
          if (next.done) {
            if (chunk) controller.enqueue(encoder.encode(chunk));
            controller.close();
            return;
          }
          chunk += `${JSON.stringify(next.value satisfies ConductorEvent)}\n`;
        }
        controller.enqueue(encoder.encode(chunk));
      },
      async cancel() {
        await iterator.return?.();
      },
    });
    c.header('Content-Type', 'application/x-ndjson; charset=utf-8');
    c.header('Content-Disposition', `attachment; filename="${name}.events.jsonl"`);
    return c.body(body);
  };
}

export function stopRoute(api: ApiContext): Handler {
  // Set while a stop is on its way for the current generation, so a double click stops once.
  let stopping: number | null = null;
  return async function stop(c) {
    const control = api.control;
    if (!control) return noControl(c, 'stop');
    await api.ready;
    const refused = await notOwner(c, api, 'stop');
    if (refused) return refused;
    const { run } = api.state();
    if (run.status !== 'running') {
      return jsonError(c, 409, 'CONDUCTOR_CONFLICT', `the run is not running (status: ${run.status})`);
    }
    if (stopping === run.generation) return c.json(stopped(true), 202);
    stopping = run.generation;
    try {
      await control.stop();
    } catch (error) {
      stopping = null;
      throw error;
    }
    return c.json(stopped(false), 202);
  };
}

export function gateRoute(api: ApiContext): Handler {
  return async function gate(c) {
    const answer = api.control?.answerGate?.bind(api.control);
    if (!answer) return noControl(c, 'gate');
    const body = await readBody(c, GateBody, '{"step": "...", "value": "..."}');
    if (body instanceof Response) return body;
    const { step, value, additional_input } = body;
    await api.ready;
    const refused = await notOwner(c, api, 'answer a gate of');
    if (refused) return refused;
    // Any pending gate, at the root or inside a sub-workflow (`parent/step`). Own keys only: a step
    // named `__proto__` or `constructor` is not a gate.
    const { gates } = api.state();
    const pending = Object.hasOwn(gates, step) ? gates[step] : undefined;
    if (!pending) {
      return jsonError(c, 409, 'CONDUCTOR_CONFLICT', `no gate is waiting at step ${JSON.stringify(step)}`);
    }
    if (pending.options.length > 0 && !pending.options.some((option) => option.value === value)) {
      const values = pending.options.map((option) => JSON.stringify(option.value)).join(', ');
      return jsonError(
        c,
        400,
        'CONDUCTOR_BAD_REQUEST',
        `value ${JSON.stringify(value)} is not an option of gate ${JSON.stringify(step)}; choose one of ${values}`,
      );
    }
    if (!(await answer(step, value, additional_input ?? null))) {
      return jsonError(
        c,
        409,
        'CONDUCTOR_CONFLICT',
        `the gate at step ${JSON.stringify(step)} is no longer waiting`,
      );
    }
    return c.json({ ok: true } satisfies ControlAnswer);
  };
}

export function dialogRoute(api: ApiContext): Handler {
  return async function dialog(c) {
    const answer = api.control?.answerDialog?.bind(api.control);
    if (!answer) return noControl(c, 'dialog');
    const body = await readBody(c, DialogBody, '{"step": "...", "message": "..."}');
    if (body instanceof Response) return body;
    const { step, message } = body;
    await api.ready;
    const refused = await notOwner(c, api, 'talk in a dialog of');
    if (refused) return refused;
    // Own keys only, as for gates: a step named `__proto__` has no dialog.
    const { dialogs } = api.state();
    const pending = Object.hasOwn(dialogs, step) ? dialogs[step] : undefined;
    if (!pending) {
      return jsonError(
        c,
        409,
        'CONDUCTOR_CONFLICT',
        `no dialog is under way at step ${JSON.stringify(step)}`,
      );
    }
    if (pending.awaiting !== 'user') {
      return jsonError(
        c,
        409,
        'CONDUCTOR_CONFLICT',
        `step ${JSON.stringify(step)} is still replying; send your message once its reply has arrived`,
      );
    }
    if (!(await answer(step, message))) {
      return jsonError(
        c,
        409,
        'CONDUCTOR_CONFLICT',
        `the dialog at step ${JSON.stringify(step)} is not waiting for a message any more`,
      );
    }
    return c.json({ ok: true } satisfies ControlAnswer);
  };
}

function stopped(already: boolean): ControlAnswer {
  return already ? { ok: true, already_stopping: true } : { ok: true };
}

/** A 409 answer unless this process owns the run (asked afresh: a stop must not act on an old answer). */
async function notOwner(c: Context, api: ApiContext, what: string): Promise<Response | null> {
  const ownership = await api.ownership.fresh();
  if (ownership.owner === 'this-process') return null;
  const runId = api.runId();
  return jsonError(c, 409, 'CONDUCTOR_NOT_OWNER', notOwnerMessage(what, ownership, runId));
}

function noControl(c: Context, what: string) {
  return jsonError(
    c,
    501,
    'CONDUCTOR_NO_CONTROL',
    `this dashboard cannot ${what} the run: it was started without run control (a replay, or read-only)`,
  );
}
