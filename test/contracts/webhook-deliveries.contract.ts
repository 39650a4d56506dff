import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { WebhookDeliveries, WebhookDeliveryOutcome } from '../../lambdas/core/use-cases/ports/webhooks';

/** The delivery records of one implementation, and a merchant they may belong to. */
export interface DeliveryPorts {
  readonly deliveries: WebhookDeliveries;
  readonly merchantId: string;
}

/** Runs one contract test on records of their own: nothing one test writes is seen by another. */
export type WithDeliveryPorts = (work: (ports: DeliveryPorts) => Promise<void>) => Promise<void>;

/** A moment long past, and `ms` after it: due times no other delivery of a shared database has. */
const PAST = new Date('2001-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(PAST.getTime() + ms);
const URL = 'https://merchant.example/hooks';

const notice = (merchantId: string) => ({
  eventId: randomUUID(),
  merchantId,
  paymentId: randomUUID(),
  eventType: 'payment.succeeded',
  rawBody: '{"contract":true}',
});

/** A test's claim holders, by name: each holder is an id of its own (a uuid in the database). */
function claims() {
  const ids = new Map<string, string>();
  const holder = (name: string) => ids.get(name) ?? (ids.set(name, randomUUID()).get(name) as string);
  return {
    holder,
    claimBy: (name: string, untilMs: number) => ({ holder: holder(name), until: at(untilMs) }),
  };
}

const outcome = (
  status: WebhookDeliveryOutcome['status'],
  fields: Partial<{ attempts: number; unanswered: number; nextAttemptAt: Date }> = {},
) =>
  ({
    status,
    url: URL,
    attempts: fields.attempts ?? 1,
    unanswered: fields.unanswered ?? 0,
    responseStatus: status === 'delivered' ? 204 : 500,
    lastError: null,
    attemptedAt: at(1),
    nextAttemptAt: fields.nextAttemptAt ?? at(60_000),
  }) as WebhookDeliveryOutcome;

/** The `WebhookDeliveries` behaviours every implementation shares (its endpoint lookup aside). */
export function webhookDeliveriesContract(implementation: string, withPorts: WithDeliveryPorts) {
  describe(`the webhook deliveries (${implementation})`, () => {
    it('opens a new delivery claimed by its opener, held against others until the claim passes', () =>
      withPorts(async ({ deliveries, merchantId }) => {
        const { holder, claimBy } = claims();
        const event = notice(merchantId);

        expect(await deliveries.open(event, URL, PAST, claimBy('first', 5_000))).toEqual({
          kind: 'claimed',
          attempts: 0,
          createdAt: PAST,
        });
        expect(await deliveries.recordAttempt(event.eventId, holder('first'), at(1), at(5_000))).toBe(true);
        expect(await deliveries.open(event, URL, at(5_000), claimBy('second', 10_000))).toEqual({
          kind: 'held',
          until: at(5_000),
        });
        expect(await deliveries.open(event, URL, at(5_001), claimBy('second', 10_000))).toEqual({
          kind: 'claimed',
          attempts: 1,
          createdAt: PAST,
        });
      }));

    it('lets only the holder record an attempt or settle, and the first holder none once taken over', () =>
      withPorts(async ({ deliveries, merchantId }) => {
        const { holder, claimBy } = claims();
        const event = notice(merchantId);
        await deliveries.open(event, URL, PAST, claimBy('first', 5_000));
        await deliveries.open(event, URL, at(6_000), claimBy('second', 11_000));

        expect(await deliveries.recordAttempt(event.eventId, holder('first'), at(6_001), at(11_000))).toBe(
          false,
        );
        expect(await deliveries.settle(event.eventId, holder('first'), outcome('delivered'))).toBe(false);
        expect(await deliveries.recordAttempt(event.eventId, holder('second'), at(6_001), at(11_000))).toBe(
          true,
        );
        expect(await deliveries.settle(event.eventId, holder('second'), outcome('delivered'))).toBe(true);
        expect(await deliveries.recordAttempt(event.eventId, holder('second'), at(6_002), at(11_000))).toBe(
          false,
        );
        expect(await deliveries.open(event, URL, at(60_000), claimBy('third', 65_000))).toEqual({
          kind: 'handled',
        });
      }));

    it('leaves a delivery settled pending handled until its next attempt, then lets it be taken', () =>
      withPorts(async ({ deliveries, merchantId }) => {
        const { holder, claimBy } = claims();
        const event = notice(merchantId);
        await deliveries.open(event, URL, PAST, claimBy('first', 5_000));
        await deliveries.recordAttempt(event.eventId, holder('first'), at(1), at(5_000));
        await deliveries.settle(
          event.eventId,
          holder('first'),
          outcome('pending', { nextAttemptAt: at(30_000) }),
        );

        expect(await deliveries.open(event, URL, at(29_999), claimBy('second', 40_000))).toEqual({
          kind: 'handled',
        });
        expect(await deliveries.open(event, URL, at(30_000), claimBy('second', 40_000))).toEqual({
          kind: 'claimed',
          attempts: 1,
          createdAt: PAST,
        });
      }));

    it('refuses an outcome that takes back more unanswered attempts than were recorded', () =>
      withPorts(async ({ deliveries, merchantId }) => {
        const { holder, claimBy } = claims();
        const event = notice(merchantId);
        await deliveries.open(event, URL, PAST, claimBy('first', 5_000));
        await deliveries.recordAttempt(event.eventId, holder('first'), at(1), at(5_000));

        await expect(
          deliveries.settle(
            event.eventId,
            holder('first'),
            outcome('delivered', { attempts: 2, unanswered: 0 }),
          ),
        ).rejects.toThrow(/webhook_deliveries_unanswered_within_attempts/);
        expect(await deliveries.settle(event.eventId, holder('first'), outcome('delivered'))).toBe(true);
      }));

    it('claims due deliveries the longest due first, at most `limit` and `perMerchant`, none held', () =>
      withPorts(async ({ deliveries, merchantId }) => {
        const { holder, claimBy } = claims();
        const events = [notice(merchantId), notice(merchantId), notice(merchantId), notice(merchantId)];
        for (const [n, event] of events.entries()) {
          await deliveries.open(event, URL, at(n), claimBy('opener', n));
          await deliveries.recordAttempt(event.eventId, holder('opener'), at(n), at(n));
          await deliveries.settle(
            event.eventId,
            holder('opener'),
            outcome('pending', { nextAttemptAt: at(1_000 + n) }),
          );
        }
        // The newest is held by a holder whose claim runs on.
        await deliveries.open(events[3] as (typeof events)[3], URL, at(1_003), claimBy('holder', 60_000));
        const ids = (claimed: { eventId: string }[]) => claimed.map((delivery) => delivery.eventId).sort();

        const perMerchant = await deliveries.claimDue(at(2_000), claimBy('sweep', 10_000), {
          limit: 10,
          perMerchant: 2,
        });
        const rest = await deliveries.claimDue(at(2_000), claimBy('other sweep', 10_000), {
          limit: 10,
          perMerchant: 10,
        });

        expect(ids(perMerchant)).toEqual(ids(events.slice(0, 2)));
        expect(perMerchant[0]).toMatchObject({
          url: URL,
          attempts: 1,
          merchantId,
          rawBody: '{"contract":true}',
        });
        expect(ids(rest)).toEqual(ids(events.slice(2, 3)));
        expect(
          await deliveries.claimDue(at(20_000), claimBy('late', 30_000), { limit: 1, perMerchant: 10 }),
        ).toEqual([expect.objectContaining({ eventId: events[0]?.eventId })]);
      }));
  });
}
