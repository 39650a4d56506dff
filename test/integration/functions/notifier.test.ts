import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../../lambdas/core/config/environment';
import { CONSUMERS } from '../../../lambdas/core/config/messaging';
import { createEvent } from '../../../lambdas/core/domain/events';
import { invokeFunction, loadHandler } from '../../../localstack/src/lambda-runtime';
import { handlerEnvironment } from '../../../localstack/src/stack';
import { createTestMerchant, testDatabase } from '../../support/database';
import { startNotifierProcess } from '../../support/dying-notifier';
import { eventually } from '../../support/eventually';
import { localEndpoints } from '../../support/local-stack';
import { mskEventCarrying } from '../../support/msk-events';
import { testDeadLetterQueue } from '../../support/test-queue';
import { deliveriesTo } from '../../support/webhooks';

const db = testDatabase();
const endpoints = localEndpoints();

/** A webhook endpoint that takes the request and never answers: the notifier is mid-delivery while it waits. */
async function hangingEndpoint() {
  const requests: string[] = [];
  const server = createServer((request) => {
    requests.push(request.url ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    host: `127.0.0.1:${port}`,
    requests,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

describe('the notifier after an invocation died mid-delivery', () => {
  it("delivers the webhook when the event comes again, once the dead holder's claim passes, with no dead letter", async () => {
    const queue = await testDeadLetterQueue();
    const hanging = await hangingEndpoint();
    const local = handlerEnvironment(endpoints);
    const environment = {
      ...local,
      [ENV.deadLetterQueueUrl]: queue.url,
      // A local endpoint, so allow-listed as the sink is.
      [ENV.webhookAllowHosts]: `${local[ENV.webhookAllowHosts]},${hanging.host}`,
    };
    const merchant = await createTestMerchant(db);
    const { rows } = await db.query<{ webhook_url: string }>(
      'SELECT webhook_url FROM merchants WHERE id = $1',
      [merchant.id],
    );
    const sinkUrl = rows[0]?.webhook_url ?? '';
    await db.query('UPDATE merchants SET webhook_url = $1 WHERE id = $2', [hanging.url, merchant.id]);

    const paymentId = randomUUID();
    const event = createEvent(
      'payment.succeeded',
      { paymentId, merchantId: merchant.id, mode: 'test' },
      { amount: '12.00', currency: 'USD', status: 'SUCCESS', source: 'tok_success' },
      new Date(),
    );
    const msk = mskEventCarrying(CONSUMERS.notifier.topic, event);

    // The first invocation (a 4 s timeout) is killed while the merchant's endpoint holds its POST.
    const timeoutSeconds = 4;
    const dying = startNotifierProcess(msk, environment, timeoutSeconds);
    try {
      await eventually(
        async () => hanging.requests.length,
        (received) => received > 0,
        { timeoutMs: 30_000 },
      );
    } finally {
      dying.kill('SIGKILL');
      hanging.close();
    }
    const killedAt = Date.now();
    await db.query('UPDATE merchants SET webhook_url = $1 WHERE id = $2', [sinkUrl, merchant.id]);

    // The event source mapping delivers the batch again, to a fresh instance.
    Object.assign(process.env, environment);
    const handler = await loadHandler('notifier');
    await invokeFunction(handler, 'notifier', msk, 60);

    // The redelivered event waits for the dead invocation's claim (one POST and the recording grace: 5 s under
    // test) to pass, not for that invocation's timeout, and takes the delivery over (or the sweep does).
    expect(Date.now() - killedAt).toBeLessThan(timeoutSeconds * 1_000 + 5_000);
    const delivered = await eventually(
      () => deliveriesTo(merchant.id),
      (deliveries) => deliveries.length > 0,
    );
    expect(delivered.map((delivery) => JSON.parse(delivery.rawBody).id)).toEqual([event.eventId]);
    // The dead invocation's POST was recorded before it left, as one that may have arrived.
    const recorded = await db.query(
      'SELECT status, attempts, unanswered_attempts FROM webhook_deliveries WHERE event_id = $1',
      [event.eventId],
    );
    expect(recorded.rows).toEqual([{ status: 'delivered', attempts: 2, unanswered_attempts: 1 }]);
    expect(await queue.letters()).toEqual([]);
  }, 90_000);
});
