import { describe, expect, it } from 'vitest';
import { asKnownEvent, decodeEnvelope, decodeEvent } from './decode.js';

describe('decodeEvent', () => {
  it('types an event whose data fits its schema, so a switch on its type reads its fields', () => {
    const decoded = decodeEvent({
      seq: 4,
      type: 'agent_completed',
      timestamp: 1.5,
      data: { agent_name: 'draft', tokens: 30, output: { text: 'hi' }, extra: 'kept' },
    });
    expect(decoded).toMatchObject({ ok: true, known: true });
    if (!decoded.ok || !decoded.known) throw new Error('not decoded');
    const { event } = decoded;
    const tokens = event.type === 'agent_completed' ? event.data.tokens : undefined;
    expect(tokens).toBe(30);
    expect(event.data.extra).toBe('kept');
  });

  it('keeps an event of a type it does not know, and one whose data does not fit, saying why', () => {
    expect(decodeEvent({ seq: 1, type: 'agent_paused', timestamp: 1, data: { agent_name: 'a' } })).toEqual({
      ok: true,
      known: false,
      event: { seq: 1, type: 'agent_paused', timestamp: 1, data: { agent_name: 'a' } },
      reason: 'unknown event type "agent_paused"',
    });
    const misfit = decodeEvent({ seq: 2, type: 'route_taken', timestamp: 1, data: { from_agent: 'a' } });
    expect(misfit).toMatchObject({ ok: true, known: false });
    expect(misfit.ok && !misfit.known && misfit.reason).toMatch(/^route_taken\.data\.to_agent: /);
    // Fields any event may carry are checked too.
    const path = decodeEvent({
      seq: 3,
      type: 'set_started',
      timestamp: 1,
      data: { agent_name: 'a', subworkflow_path: 'x' },
    });
    expect(path.ok && !path.known && path.reason).toMatch(/^set_started\.data\.subworkflow_path: /);
  });

  it('refuses what is not an event, naming the field', () => {
    expect(decodeEvent({ seq: 1, type: 'agent_message', timestamp: 'noon', data: {} })).toEqual({
      ok: false,
      reason: expect.stringMatching(/^timestamp: /),
    });
    expect(decodeEvent([1, 2])).toMatchObject({ ok: false });
    expect(decodeEvent({ type: 'agent_message', timestamp: 1, data: {} })).toEqual({
      ok: false,
      reason: expect.stringMatching(/^seq: /),
    });
  });
});

describe('decodeEnvelope', () => {
  it('returns a well-formed line’s object itself, and a copy of an unusual one', () => {
    const value = { seq: 1, type: 'x', timestamp: 1, data: { a: 1 } };
    const fast = decodeEnvelope(value);
    expect(fast.ok && fast.envelope).toBe(value);
    // No `data` (the schema defaults it) and keys in another order: the schema's copy.
    const unusual = { timestamp: 2, type: 'x' };
    const copied = decodeEnvelope(unusual);
    expect(copied.ok && copied.envelope).toEqual({ type: 'x', timestamp: 2, data: {} });
    expect(copied.ok && copied.envelope).not.toBe(unusual);
    // A line without seq (the original conductor's) is an envelope; the reader numbers it.
    expect(decodeEnvelope({ type: 'x', timestamp: 1, data: {} }).ok).toBe(true);
  });
});

describe('asKnownEvent', () => {
  it('types an event from anywhere when its data fits, else gives null', () => {
    const fits = {
      seq: 1,
      type: 'wait_started',
      timestamp: 1,
      data: { agent_name: 'w', duration_seconds: 5 },
    };
    expect(asKnownEvent(fits)).toBe(fits);
    expect(asKnownEvent({ ...fits, data: { agent_name: 'w' } })).toBeNull();
    expect(asKnownEvent({ ...fits, type: 'wait_paused' })).toBeNull();
  });
});
