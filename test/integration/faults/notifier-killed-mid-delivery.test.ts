import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ENV } from '../../../lambdas/core/config/environment';
import { CONSUMERS } from '../../../lambdas/core/config/messaging';
import { createEvent } from '../../../lambdas/core/domain/events';
import { handlerEnvironment } from '../../../localstack/src/stack';
import { createTestMerchant, testDatabase } from '../../support/database';
import { startNotifierProcess } from '../../support/dying-notifier';
import { eventually } from '../../support/eventually';
import { localEndpoints } from '../../support/local-stack';
import { mskEventCarrying } from '../../support/msk-events';
import { deliveriesTo, failNextDeliveries } from '../../support/webhooks';

const db = testDatabase();
/** The done criterion: a killed holder's notice reaches the merchant within 10 s. */
const TAKEOVER_MS = 10_000;

const succeededEvent = (merchantId: string) =>
  createEvent(
    'payment.succeeded',
    { paymentId: randomUUID(), merchantId, mode: 'test' },
    { amount: '12.00', currency: 'USD', status: 'SUCCESS', source: 'tok_success' },
    new Date(),
  );

const recordOf = async (eventId: string) =>
  (
    await db.query(
      'SELECT status, attempts, unanswered_attempts FROM webhook_deliveries WHERE event_id = $1',
      [eventId],
    )
  ).rows[0];

/**
 * The event reached the sink, answered 2xx, within 10 s of `killedAt`: only the running stack's retry sweep
 * sends to it here, so the killed holder's delivery was taken over.
 */
async function expectDeliveredSoonAfter(killedAt: number, merchantId: string, eventId: string) {
  const delivered = await eventually(
    async () =>
      (await deliveriesTo(merchantId)).filter(
        (delivery) => delivery.answered >= 200 && delivery.answered < 300,
      ),
    (deliveries) => deliveries.length > 0,
    { timeoutMs: TAKEOVER_MS + 5_000 },
  );
  expect(Date.now() - killedAt).toBeLessThan(TAKEOVER_MS);
  expect(delivered.map((delivery) => delivery.headers['aspay-event-id'])).toEqual([eventId]);
}

describe('a notifier killed mid-delivery', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
  });

  /** The notifier handling `event` in a process of its own, to be killed. */
  function notifierProcess(event: ReturnType<typeof succeededEvent>, environment: Record<string, string>) {
    const child = startNotifierProcess(
      mskEventCarrying(CONSUMERS.notifier.topic, event),
      { ...handlerEnvironment(localEndpoints()), ...environment },
      60,
    );
    children.push(child);
    return child;
  }

  it('between its POST and its record: sent again within 10 s, and the record counts the attempt that may have arrived', async () => {
    const merchant = await createTestMerchant(db);
    const sinkUrl = (
      await db.query<{ webhook_url: string }>('SELECT webhook_url FROM merchants WHERE id = $1', [
        merchant.id,
      ])
    ).rows[0]?.webhook_url;
    // The merchant's endpoint takes the POST and the holder dies before any answer can be recorded.
    const received: string[] = [];
    const endpoint = createServer((request) => {
      received.push(String(request.headers['aspay-event-id']));
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    const { port } = endpoint.address() as { port: number };
    await db.query('UPDATE merchants SET webhook_url = $1 WHERE id = $2', [
      `http://127.0.0.1:${port}/hooks`,
      merchant.id,
    ]);
    const event = succeededEvent(merchant.id);
    const local = handlerEnvironment(localEndpoints());
    const holder = notifierProcess(event, {
      [ENV.webhookAllowHosts]: `${local[ENV.webhookAllowHosts]},127.0.0.1:${port}`,
    });
    try {
      await eventually(
        async () => received.length,
        (count) => count > 0,
        { timeoutMs: 30_000 },
      );
      holder.kill('SIGKILL');
    } finally {
      endpoint.closeAllConnections();
      endpoint.close();
    }
    const killedAt = Date.now();
    expect(received).toEqual([event.eventId]);
    expect(await recordOf(event.eventId)).toEqual({ status: 'pending', attempts: 1, unanswered_attempts: 1 });

    // The endpoint is back at the sink, which the stack's sweep may reach; the event is not delivered again.
    await db.query('UPDATE merchants SET webhook_url = $1 WHERE id = $2', [sinkUrl, merchant.id]);
    await expectDeliveredSoonAfter(killedAt, merchant.id, event.eventId);
    // Received twice, and the record says the first may have arrived.
    expect(await recordOf(event.eventId)).toEqual({
      status: 'delivered',
      attempts: 2,
      unanswered_attempts: 1,
    });
  }, 60_000);

  it('before its POST: its notice is delivered within 10 s', async () => {
    const merchant = await createTestMerchant(db);
    // The first POST is answered 500; the holder is killed while it waits (a minute) to try again.
    await failNextDeliveries(merchant.id, 1);
    const event = succeededEvent(merchant.id);
    const holder = notifierProcess(event, { ASPAY_WEBHOOK_BACKOFF_BASE_MS: '60000' });
    await eventually(
      () => deliveriesTo(merchant.id),
      (deliveries) => deliveries.length > 0,
      { timeoutMs: 30_000 },
    );
    holder.kill('SIGKILL');
    const killedAt = Date.now();

    await expectDeliveredSoonAfter(killedAt, merchant.id, event.eventId);
    expect(await recordOf(event.eventId)).toMatchObject({ status: 'delivered', attempts: 2 });
  }, 60_000);
});
