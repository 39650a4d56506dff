import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createEvent } from '../../../lambdas/core/domain/events';
import { type EventRoutes, routeEvent } from '../../../lambdas/core/messaging/consumer-handler';

const ids = { paymentId: randomUUID(), merchantId: 'mer_1', mode: 'test' } as const;
const now = new Date('2026-03-01T12:00:00.000Z');
const context = {} as Context;

const refunded = createEvent(
  'payment.refunded',
  ids,
  {
    refundId: randomUUID(),
    amount: '5.00',
    currency: 'USD',
    refundedTotal: '5.00',
    statusAfter: 'SUCCESS',
  },
  now,
);
const initiated = createEvent(
  'payment.initiated',
  ids,
  { amount: '10.00', currency: 'USD', status: 'INITIATED', source: 'tok_success' },
  now,
);

describe('the event-routing table', () => {
  const routes: EventRoutes<string> = {
    // Typed by its route: the refund's data is read without a cast.
    'payment.refunded': async (event) => `refund ${event.data.refundId}`,
    'payment.initiated': async (event) => `charge ${event.paymentId} for ${event.data.amount}`,
  };

  it("runs the route of the event's type with that event", async () => {
    expect(await routeEvent(routes, refunded, context)).toBe(`refund ${refunded.data.refundId}`);
    expect(await routeEvent(routes, initiated, context)).toBe(`charge ${ids.paymentId} for 10.00`);
  });

  it('answers undefined for a type the consumer has no route for', async () => {
    const failed = createEvent(
      'ledger.posting_failed',
      ids,
      { failedEventId: randomUUID(), reason: 'x' },
      now,
    );
    expect(await routeEvent(routes, failed, context)).toBeUndefined();
  });

  it('refuses a misspelt event type at compile time', () => {
    const misspelt: EventRoutes<string> = {
      // @ts-expect-error: no such event type
      'payment.refundd': async () => 'never',
    };
    expect(Object.keys(misspelt)).toEqual(['payment.refundd']);
  });
});
