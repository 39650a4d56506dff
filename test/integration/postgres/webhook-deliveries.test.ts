import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { postgresWebhookDeliveries } from '../../../lambdas/core/adapters/postgres/webhook-deliveries';
import type { WebhookDeliveries } from '../../../lambdas/core/use-cases/ports/webhooks';
import {
  createTestMerchant,
  expectRejected,
  inRolledBackTransaction,
  testDatabase,
  testSecretBox,
} from '../../support/database';

const db = testDatabase();
// Far in the future, so the running sweep never sees these rows; the transaction is rolled back anyway.
const LATER = new Date('2100-01-01T00:00:00.000Z');
const at = (seconds: number) => new Date(LATER.getTime() + seconds * 1_000);

/**
 * The ids a claim took. Other tests' pending deliveries, committed meanwhile, are due in 2100 too: each test
 * looks for its own delivery among them rather than counting them.
 */
async function claimedIds(
  deliveries: WebhookDeliveries,
  now: Date,
  claim: { holder: string; until: Date },
): Promise<string[]> {
  const claimed = await deliveries.claimDue(now, claim, { limit: 1000, perMerchant: 1000 });
  return claimed.map((delivery) => delivery.eventId);
}

const notice = (merchantId: string) => ({
  eventId: randomUUID(),
  merchantId,
  paymentId: randomUUID(),
  eventType: 'payment.succeeded',
  rawBody: '{"id":"…"}',
});

/** Opens a delivery at `opened` whose notifier gave up on it at once: pending, due at `due`. */
async function pendingDelivery(client: pg.ClientBase, merchantId: string, opened: Date, due: Date) {
  const deliveries = postgresWebhookDeliveries(client as unknown as pg.Pool, testSecretBox());
  const opening = notice(merchantId);
  const holder = randomUUID();
  expect(
    await deliveries.open(opening, 'https://merchant.example/hooks', opened, { holder, until: opened }),
  ).toEqual({
    kind: 'claimed',
    attempts: 0,
    createdAt: opened,
  });
  for (let attempt = 0; attempt < 3; attempt++)
    expect(await deliveries.recordAttempt(opening.eventId, holder, opened, opened)).toBe(true);
  expect(
    await deliveries.settle(opening.eventId, holder, {
      status: 'pending',
      nextAttemptAt: due,
      url: 'https://merchant.example/hooks',
      attempts: 3,
      unanswered: 0,
      responseStatus: 503,
      lastError: 'endpoint answered 503',
      attemptedAt: opened,
    }),
  ).toBe(true);
  return opening.eventId;
}

const recordOf = async (client: pg.ClientBase, eventId: string) =>
  (
    await client.query(
      'SELECT status, attempts, unanswered_attempts, claimed_until FROM webhook_deliveries WHERE event_id = $1',
      [eventId],
    )
  ).rows[0];

const claim = (until: Date) => ({ holder: randomUUID(), until });

describe('the webhook delivery records', () => {
  it('claim the longest due first, a bounded number per merchant, and never a claimed one twice', async () => {
    const down = await createTestMerchant(db);
    const up = await createTestMerchant(db);
    await inRolledBackTransaction(db, async (client) => {
      const deliveries = postgresWebhookDeliveries(client as unknown as pg.Pool, testSecretBox());
      const backlog = [];
      for (let i = 0; i < 4; i++) backlog.push(await pendingDelivery(client, down.id, at(i), at(10 + i)));
      const other = await pendingDelivery(client, up.id, at(5), at(20));
      const notDue = await pendingDelivery(client, up.id, at(5), at(60));
      const ours = new Set([...backlog, other, notDue]);

      const claimed = (
        await deliveries.claimDue(at(30), claim(at(90)), { limit: 1000, perMerchant: 2 })
      ).filter((delivery) => ours.has(delivery.eventId));
      expect(claimed.map((delivery) => delivery.eventId).sort()).toEqual(
        [backlog[0], backlog[1], other].sort(),
      );
      expect(claimed.find((delivery) => delivery.eventId === other)).toMatchObject({
        merchantId: up.id,
        rawBody: '{"id":"…"}',
        attempts: 3,
        createdAt: at(5),
      });

      const again = await deliveries.claimDue(at(31), claim(at(90)), { limit: 1000, perMerchant: 2 });
      expect(
        again
          .map((delivery) => delivery.eventId)
          .filter((id) => ours.has(id))
          .sort(),
      ).toEqual([backlog[2], backlog[3]].sort());
      // Once the claims have expired (their holders can no longer run), the deliveries may be claimed again.
      const afterExpiry = await deliveries.claimDue(at(91), claim(at(150)), { limit: 1000, perMerchant: 10 });
      expect(afterExpiry.filter((delivery) => ours.has(delivery.eventId))).toHaveLength(6);
    });
  });

  it('open a record once per event: the second opener owns nothing', async () => {
    const merchant = await createTestMerchant(db);
    await inRolledBackTransaction(db, async (client) => {
      const deliveries = postgresWebhookDeliveries(client as unknown as pg.Pool, testSecretBox());
      const once = notice(merchant.id);
      expect(
        await deliveries.open(once, 'https://merchant.example/hooks', LATER, claim(at(60))),
      ).toMatchObject({
        kind: 'claimed',
      });
      expect(await deliveries.open(once, 'https://merchant.example/hooks', LATER, claim(at(60)))).toEqual({
        kind: 'held',
        until: at(60),
      });
    });
  });

  it('count each attempt before it is sent as one that may have arrived, until its answer is recorded', async () => {
    const merchant = await createTestMerchant(db);
    await inRolledBackTransaction(db, async (client) => {
      const deliveries = postgresWebhookDeliveries(client as unknown as pg.Pool, testSecretBox());
      const eventId = await pendingDelivery(client, merchant.id, LATER, at(10));
      const first = claim(at(40));
      expect(await claimedIds(deliveries, at(10), first)).toContain(eventId);

      // Recorded before it is sent, and the claim renewed for it.
      expect(await deliveries.recordAttempt(eventId, first.holder, at(10), at(25))).toBe(true);
      expect(await recordOf(client, eventId)).toEqual({
        status: 'pending',
        attempts: 4,
        unanswered_attempts: 1,
        claimed_until: at(25),
      });
      // A timeout: still unanswered. Then a second holder's 2xx: its attempt was answered.
      const outcome = {
        url: 'https://merchant.example/hooks',
        responseStatus: null,
        lastError: 'The operation was aborted due to timeout',
        attemptedAt: at(12),
      };
      expect(
        await deliveries.settle(eventId, first.holder, {
          ...outcome,
          status: 'pending',
          nextAttemptAt: at(20),
          attempts: 1,
          unanswered: 1,
        }),
      ).toBe(true);
      const second = claim(at(50));
      expect(await claimedIds(deliveries, at(20), second)).toContain(eventId);
      expect(await deliveries.recordAttempt(eventId, second.holder, at(20), at(35))).toBe(true);
      expect(
        await deliveries.settle(eventId, second.holder, {
          ...outcome,
          status: 'delivered',
          attempts: 1,
          unanswered: 0,
          responseStatus: 204,
          lastError: null,
        }),
      ).toBe(true);
      expect(await recordOf(client, eventId)).toEqual({
        status: 'delivered',
        attempts: 5,
        unanswered_attempts: 1,
        claimed_until: null,
      });
    });
  });

  it("let a redelivered event take over a delivery once its holder's claim has passed, not before", async () => {
    const merchant = await createTestMerchant(db);
    await inRolledBackTransaction(db, async (client) => {
      const deliveries = postgresWebhookDeliveries(client as unknown as pg.Pool, testSecretBox());
      const once = notice(merchant.id);
      const url = 'https://merchant.example/hooks';
      const dead = claim(at(5));
      expect(await deliveries.open(once, url, LATER, dead)).toMatchObject({ kind: 'claimed' });
      expect(await deliveries.recordAttempt(once.eventId, dead.holder, at(1), at(5))).toBe(true);

      expect(await deliveries.open(once, url, at(5), claim(at(10)))).toEqual({ kind: 'held', until: at(5) });
      const next = claim(at(11));
      expect(await deliveries.open(once, url, at(6), next)).toEqual({
        kind: 'claimed',
        attempts: 1,
        createdAt: LATER,
      });
      // The dead holder, had it lived on, can neither send nor record any more.
      expect(await deliveries.recordAttempt(once.eventId, dead.holder, at(7), at(12))).toBe(false);
      expect(await deliveries.recordAttempt(once.eventId, next.holder, at(7), at(12))).toBe(true);
      expect(await recordOf(client, once.eventId)).toMatchObject({ attempts: 2, unanswered_attempts: 2 });
    });
  });

  it("refuse a stale holder's outcome once another holder took the delivery over", async () => {
    const merchant = await createTestMerchant(db);
    await inRolledBackTransaction(db, async (client) => {
      const deliveries = postgresWebhookDeliveries(client as unknown as pg.Pool, testSecretBox());
      const eventId = await pendingDelivery(client, merchant.id, LATER, at(10));
      const stale = claim(at(20));
      expect(await claimedIds(deliveries, at(10), stale)).toContain(eventId);
      expect(await deliveries.recordAttempt(eventId, stale.holder, at(10), at(15))).toBe(true);
      // Not taken over while the claim holds; taken over once it has passed.
      expect(
        (await deliveries.claimDue(at(15), claim(at(30)), { limit: 1000, perMerchant: 1000 })).filter(
          (delivery) => delivery.eventId === eventId,
        ),
      ).toEqual([]);
      const fresh = claim(at(30));
      expect(
        (await deliveries.claimDue(at(16), fresh, { limit: 1000, perMerchant: 1000 })).map(
          (delivery) => delivery.eventId,
        ),
      ).toContain(eventId);
      expect(await deliveries.recordAttempt(eventId, fresh.holder, at(16), at(21))).toBe(true);

      const failed = {
        status: 'failed' as const,
        url: 'https://merchant.example/hooks',
        attempts: 1,
        unanswered: 0,
        responseStatus: 410,
        lastError: 'endpoint answered 410',
        attemptedAt: at(17),
      };
      expect(await deliveries.settle(eventId, stale.holder, failed)).toBe(false);
      expect(await recordOf(client, eventId)).toEqual({
        status: 'pending',
        attempts: 5,
        unanswered_attempts: 2,
        claimed_until: at(21),
      });
      expect(
        await deliveries.settle(eventId, fresh.holder, {
          ...failed,
          status: 'delivered',
          responseStatus: 204,
          lastError: null,
        }),
      ).toBe(true);
      expect(await recordOf(client, eventId)).toMatchObject({ status: 'delivered', unanswered_attempts: 1 });
    });
  });

  it('refuse a pending delivery without a next attempt or a body, and a failed one without its error', async () => {
    const merchant = await createTestMerchant(db);
    await inRolledBackTransaction(db, async (client) => {
      const insert = `INSERT INTO webhook_deliveries
        (event_id, merchant_id, payment_id, event_type, url, status, attempts, raw_body, next_attempt_at, last_error)
        VALUES ($1, $2, $3, 'payment.succeeded', 'https://merchant.example/hooks', $4, 1, $5, $6, $7)`;
      const row = (status: string, rawBody: string | null, next: Date | null, lastError: string | null) => [
        randomUUID(),
        merchant.id,
        randomUUID(),
        status,
        rawBody,
        next,
        lastError,
      ];
      await expectRejected(
        client,
        insert,
        row('pending', '{}', null, null),
        'webhook_deliveries_pending_is_scheduled',
      );
      await expectRejected(
        client,
        insert,
        row('pending', null, LATER, null),
        'webhook_deliveries_pending_is_scheduled',
      );
      await expectRejected(
        client,
        insert,
        row('failed', null, null, null),
        'webhook_deliveries_failed_has_error',
      );
      await expectRejected(
        client,
        insert,
        row('delivered', null, LATER, null),
        'webhook_deliveries_pending_is_scheduled',
      );
      // Rows written before retries existed (no body, no schedule) stay valid.
      await client.query(insert, row('delivered', null, null, null));
      await client.query(insert, row('failed', null, null, 'endpoint answered 500'));
    });
  });
});
