import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { UnsupportedEventError } from '../../../lambdas/core/domain/errors';
import { createEvent, readEvent } from '../../../lambdas/core/domain/events';

const ids = { paymentId: randomUUID(), merchantId: 'mer_1', mode: 'test' } as const;
const initiated = () =>
  createEvent(
    'payment.initiated',
    ids,
    { amount: '10.00', currency: 'USD', status: 'INITIATED', source: 'tok_success' },
    new Date(),
  );

describe('the event contract', () => {
  it('stamps events with a UUID, the current version and a UTC timestamp', () => {
    const event = initiated();
    expect(event.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(event.version).toBe('1.4');
    expect(event.occurredAt).toMatch(/Z$/);
  });

  it('ignores fields it does not know, at the top level and in data', () => {
    const event = initiated();
    const read = readEvent({ ...event, traceparent: 'x', data: { ...event.data, loyaltyPoints: 12 } });
    expect(read).toEqual({ kind: 'event', event });
  });

  it('accepts a newer minor version and refuses another major version', () => {
    expect(readEvent({ ...initiated(), version: '1.7' }).kind).toBe('event');
    expect(() => readEvent({ ...initiated(), version: '2.0' })).toThrow(UnsupportedEventError);
  });

  it("marks the payment's mode, and reads an event written before modes (1.0, no livemode) as test", () => {
    const live = createEvent(
      'payment.initiated',
      { ...ids, mode: 'live' },
      { amount: '10.00', currency: 'USD', status: 'INITIATED', source: 'tok_success' },
      new Date(),
    );
    expect(live.livemode).toBe(true);
    expect(initiated().livemode).toBe(false);

    const { livemode: _, ...older } = { ...live, version: '1.0' };
    expect(readEvent(older)).toEqual({ kind: 'event', event: { ...older, livemode: false } });
  });

  it('reports an unknown event type instead of failing', () => {
    expect(readEvent({ ...initiated(), type: 'payment.disputed' })).toEqual({
      kind: 'unknown_type',
      type: 'payment.disputed',
    });
  });

  it('refuses a malformed envelope', () => {
    expect(() => readEvent({ hello: 'world' })).toThrow(UnsupportedEventError);
    expect(() => readEvent({ ...initiated(), data: { amount: 10 } })).toThrow(UnsupportedEventError);
    // Shaped like Money, but off the wire: never taken for it.
    expect(() =>
      readEvent({ ...initiated(), data: { ...initiated().data, amount: { amount: '10', currency: 'USD' } } }),
    ).toThrow(UnsupportedEventError);
  });
});
