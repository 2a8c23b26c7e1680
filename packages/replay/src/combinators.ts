import type { ConductorEvent } from '@conductor/events';

/** The sources one after the other. Each is opened only when the previous one is done. */
export async function* concat(...sources: AsyncIterable<ConductorEvent>[]): AsyncGenerator<ConductorEvent> {
  for (const source of sources) yield* source;
}

/** The events of `source` with `seq > seq`. */
export async function* afterSeq(
  source: AsyncIterable<ConductorEvent>,
  seq: number,
): AsyncGenerator<ConductorEvent> {
  for await (const event of source) {
    if (event.seq > seq) yield event;
  }
}

/** The events of `source` for which `predicate` is true. */
export function filter<T extends ConductorEvent>(
  source: AsyncIterable<ConductorEvent>,
  predicate: (event: ConductorEvent) => event is T,
): AsyncGenerator<T>;
export function filter(
  source: AsyncIterable<ConductorEvent>,
  predicate: (event: ConductorEvent) => boolean,
): AsyncGenerator<ConductorEvent>;
export async function* filter(
  source: AsyncIterable<ConductorEvent>,
  predicate: (event: ConductorEvent) => boolean,
): AsyncGenerator<ConductorEvent> {
  for await (const event of source) {
    if (predicate(event)) yield event;
  }
}
