import * as v from 'valibot';

/**
 * One thing a run did. The same object is a line of `events.jsonl` and a WebSocket message.
 * `seq` is 1-based and strictly increasing across a run and all of its resumes.
 */
export interface ConductorEvent<TType extends string = string, TData = Record<string, unknown>> {
  seq: number;
  type: TType;
  /** Unix seconds as a float, as the original conductor writes them. */
  timestamp: number;
  data: TData;
}

/**
 * The envelope as found on disk. `seq` is optional because the original conductor wrote none; readers
 * number such lines by their position.
 */
export const EventEnvelopeSchema = v.looseObject({
  seq: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
  type: v.pipe(v.string(), v.minLength(1)),
  timestamp: v.number(),
  data: v.optional(v.record(v.string(), v.unknown()), {}),
});

export type EventEnvelopeInput = v.InferOutput<typeof EventEnvelopeSchema>;

/** Seconds since the epoch, as a float. */
export function nowSeconds(): number {
  return Date.now() / 1000;
}

/** Whether an event was made up from a checkpoint rather than read from a log. */
export function isSynthetic(event: ConductorEvent): boolean {
  return event.data.synthetic === true;
}

/** The sub-workflow path of an event: the parent step names, empty at the root. */
export function subworkflowPathOf(event: ConductorEvent): readonly string[] {
  const path = event.data.subworkflow_path;
  return Array.isArray(path) ? (path as string[]) : [];
}
