import * as v from 'valibot';
import { type ConductorEvent, EventEnvelopeSchema } from './envelope.js';
import {
  type EventType,
  eventDataProblem,
  fitsEventData,
  isKnownEventType,
  type KnownEvent,
} from './vocabulary.js';

/**
 * Checking events where they enter: a log line, a WebSocket message, a page of `/api/events`. Two
 * halves, used together by `decodeEvent` or apart where only one is needed:
 *
 * - the envelope (`decodeEnvelope`): is it an event at all, with a type, a timestamp, data and a seq?
 *   The log reader checks this on every line: it decides whether a line holds an event and where the
 *   event stands in the run, and it is all that reading, counting and indexing a log need;
 * - the data (`asKnownEvent`): does the payload fit its type's schema? An event that does not (or whose
 *   type this version does not know) is kept as history, but nothing interprets it. The projection
 *   and the other readers of an event's meaning check this before they read a field.
 */

/** An event as a log line holds it: `seq` may be missing (the original conductor wrote none). */
export type EventEnvelope = Omit<ConductorEvent, 'seq'> & { seq?: number };

export type EnvelopeResult = { ok: true; envelope: EventEnvelope } | { ok: false; message: string };

/**
 * Checks a value (a parsed JSON line or message) against the event envelope. The common case is
 * checked without the copy the schema makes: the value itself is returned when the schema would
 * output an equal object with the same key order; anything unusual gets the schema's verdict and copy.
 */
export function decodeEnvelope(value: unknown): EnvelopeResult {
  const fast = fastEnvelope(value);
  if (fast !== undefined) return { ok: true, envelope: fast };
  const result = v.safeParse(EventEnvelopeSchema, value);
  if (result.success) return { ok: true, envelope: result.output as EventEnvelope };
  const issue = result.issues[0];
  const where = issue.path?.map((p) => String(p.key)).join('.');
  return { ok: false, message: `${where ? `${where}: ` : ''}${issue.message}` };
}

// The envelope's keys in the order EventEnvelopeSchema outputs them; the rest follow in input order.
const ENVELOPE_KEYS = ['seq', 'type', 'timestamp', 'data'];
const hasOwn = Object.hasOwn;

/**
 * `value` itself when EventEnvelopeSchema would accept it and output a key-for-key copy:
 * `{ seq?, type, timestamp, data, ...rest }` in that order, `data` a plain object (not defaulted,
 * not an array), no `__proto__`/`prototype`/`constructor` key the schema would drop. Else undefined.
 */
function fastEnvelope(value: unknown): EventEnvelope | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const object = value as Record<string, unknown>;
  const seq = object.seq;
  if (seq !== undefined && !(typeof seq === 'number' && Number.isInteger(seq) && seq >= 1)) return undefined;
  const type = object.type;
  if (typeof type !== 'string' || type.length === 0) return undefined;
  const timestamp = object.timestamp;
  if (typeof timestamp !== 'number' || Number.isNaN(timestamp)) return undefined;
  const data = object.data;
  if (
    typeof data !== 'object' ||
    data === null ||
    Array.isArray(data) ||
    hasOwn(data, '__proto__') ||
    hasOwn(data, 'prototype') ||
    hasOwn(data, 'constructor')
  ) {
    return undefined;
  }
  let expected = seq === undefined ? 1 : 0;
  for (const key in object) {
    if (expected < ENVELOPE_KEYS.length) {
      if (key !== ENVELOPE_KEYS[expected]) return undefined;
      expected += 1;
    } else if (key === '__proto__' || key === 'prototype' || key === 'constructor') {
      return undefined;
    }
  }
  return object as unknown as EventEnvelope;
}

/** The event as its known type when its type is in the vocabulary and its data fits; else null. */
export function asKnownEvent(event: ConductorEvent): KnownEvent | null {
  return isKnownEventType(event.type) && fitsEventData(event.type, event.data) ? (event as KnownEvent) : null;
}

/** What `decodeEvent` makes of a value. */
export type DecodedEvent =
  /** An event of a known type whose data fits the type's schema: typed, `switch (event.type)` narrows it. */
  | { ok: true; known: true; event: KnownEvent }
  /**
   * An event this version cannot read: its type is unknown (a newer conductor's), or its data does not
   * fit the type's schema (`reason` says where). It is kept as history, and nothing interprets it.
   */
  | { ok: true; known: false; event: ConductorEvent; reason: string }
  /** Not an event: `reason` says which envelope field is wrong. */
  | { ok: false; reason: string };

/**
 * Checks a value received from outside (a WebSocket message, a page of events, an imported event)
 * against the event envelope, `seq` included, then its data against its type's schema.
 */
export function decodeEvent(value: unknown): DecodedEvent {
  const envelope = decodeEnvelope(value);
  if (!envelope.ok) return { ok: false, reason: envelope.message };
  const event = envelope.envelope;
  if (event.seq === undefined) {
    return { ok: false, reason: 'seq: an event needs its seq (a log reader numbers lines without one)' };
  }
  const complete = event as ConductorEvent;
  if (!isKnownEventType(complete.type)) {
    return { ok: true, known: false, event: complete, reason: `unknown event type "${complete.type}"` };
  }
  const type: EventType = complete.type;
  if (fitsEventData(type, complete.data)) return { ok: true, known: true, event: complete as KnownEvent };
  return { ok: true, known: false, event: complete, reason: eventDataProblem(type, complete.data) ?? type };
}
