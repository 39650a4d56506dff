import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { postgresWebhookDeliveries } from '../../../lambdas/core/adapters/postgres/webhook-deliveries';
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
  expect(await deliveries.open(opening, 'https://merchant.example/hooks', opened, opened)).toBe(true);
  await deliveries.settle(opening.eventId, {
    status: 'pending',
    nextAttemptAt: due,
    url: 'https://merchant.example/hooks',
    attempts: 3,
    unanswered: 0,
    responseStatus: 503,
    lastError: 'endpoint answered 503',
    attemptedAt: opened,
  });
  return opening.eventId;
}

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

      const claimed = (await deliveries.claimDue(at(30), at(90), { limit: 1000, perMerchant: 2 })).filter(
        (delivery) => ours.has(delivery.eventId),
      );
      expect(claimed.map((delivery) => delivery.eventId).sort()).toEqual(
        [backlog[0], backlog[1], other].sort(),
      );
      expect(claimed.find((delivery) => delivery.eventId === other)).toMatchObject({
        merchantId: up.id,
        rawBody: '{"id":"…"}',
        attempts: 3,
        createdAt: at(5),
      });

      const again = await deliveries.claimDue(at(31), at(90), { limit: 1000, perMerchant: 2 });
      expect(
        again
          .map((delivery) => delivery.eventId)
          .filter((id) => ours.has(id))
          .sort(),
      ).toEqual([backlog[2], backlog[3]].sort());
      // Once the claims have expired (their holders can no longer run), the deliveries may be claimed again.
      const afterExpiry = await deliveries.claimDue(at(91), at(150), { limit: 1000, perMerchant: 10 });
      expect(afterExpiry.filter((delivery) => ours.has(delivery.eventId))).toHaveLength(6);
    });
  });

  it('open a record once per event: the second opener owns nothing', async () => {
    const merchant = await createTestMerchant(db);
    await inRolledBackTransaction(db, async (client) => {
      const deliveries = postgresWebhookDeliveries(client as unknown as pg.Pool, testSecretBox());
      const once = notice(merchant.id);
      expect(await deliveries.open(once, 'https://merchant.example/hooks', LATER, at(60))).toBe(true);
      expect(await deliveries.open(once, 'https://merchant.example/hooks', LATER, at(60))).toBe(false);
    });
  });

  it('keep count of the attempts whose answer never came, across holders', async () => {
    const merchant = await createTestMerchant(db);
    await inRolledBackTransaction(db, async (client) => {
      const deliveries = postgresWebhookDeliveries(client as unknown as pg.Pool, testSecretBox());
      const eventId = await pendingDelivery(client, merchant.id, LATER, at(10));
      const outcome = {
        url: 'https://merchant.example/hooks',
        responseStatus: null,
        lastError: 'The operation was aborted due to timeout',
        attemptedAt: at(10),
      };
      await deliveries.settle(eventId, {
        ...outcome,
        status: 'pending',
        nextAttemptAt: at(20),
        attempts: 1,
        unanswered: 1,
      });
      await deliveries.settle(eventId, {
        ...outcome,
        status: 'delivered',
        attempts: 2,
        unanswered: 1,
        responseStatus: 204,
        lastError: null,
      });
      const { rows } = await client.query(
        'SELECT status, attempts, unanswered_attempts FROM webhook_deliveries WHERE event_id = $1',
        [eventId],
      );
      expect(rows).toEqual([{ status: 'delivered', attempts: 6, unanswered_attempts: 2 }]);
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
