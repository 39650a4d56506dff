import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../../lambdas/core/config/environment';
import { CONSUMERS } from '../../../lambdas/core/config/messaging';
import { createEvent } from '../../../lambdas/core/domain/events';
import { invokeFunction, loadHandler } from '../../../localstack/src/lambda-runtime';
import { bringUp, handlerEnvironment } from '../../../localstack/src/stack';
import { stopProcess } from '../../../localstack/src/support/processes';
import { createTestMerchant, testDatabase } from '../../support/database';
import { localEndpoints } from '../../support/local-stack';
import { mskEventCarrying } from '../../support/msk-events';

const db = testDatabase();
const testEnvironment = { DATABASE_URL: process.env.DATABASE_URL };
const OUTAGE_MS = 3_000;

describe('the notifier when the database goes away as the merchant answers', () => {
  it('records the delivery once the database is back, so the sweep never sends the notice again', async () => {
    const merchant = await createTestMerchant(db);
    // The merchant's endpoint takes the notice, the functions' database (the local RDS Proxy) goes away, and
    // only then does the 2xx reach the notifier: its outcome can only be recorded after the outage.
    const received: string[] = [];
    let outage: Promise<unknown> = Promise.resolve();
    const endpoint = createServer((request, response) => {
      request.resume();
      request.on('end', async () => {
        received.push(String(request.headers['aspay-event-id']));
        await stopProcess('rds-proxy');
        // The stack starts again with the test's environment, not the function's (whose DATABASE_URL is the proxy).
        outage = sleep(OUTAGE_MS).then(() => {
          Object.assign(process.env, { DATABASE_URL: testEnvironment.DATABASE_URL });
          if (testEnvironment.DATABASE_URL === undefined) delete process.env.DATABASE_URL;
          return bringUp();
        });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    const { port } = endpoint.address() as { port: number };
    await db.query('UPDATE merchants SET webhook_url = $1 WHERE id = $2', [
      `http://127.0.0.1:${port}/hooks`,
      merchant.id,
    ]);
    const event = createEvent(
      'payment.succeeded',
      { paymentId: randomUUID(), merchantId: merchant.id, mode: 'test' },
      { amount: '12.00', currency: 'USD', status: 'SUCCESS', source: 'tok_success' },
      new Date(),
    );
    try {
      // A POST held while the proxy stops must not count as unanswered.
      const local = handlerEnvironment(localEndpoints());
      Object.assign(process.env, local, {
        ASPAY_WEBHOOK_TIMEOUT_MS: '30000',
        // A local endpoint, so allow-listed as the sink is.
        [ENV.webhookAllowHosts]: `${local[ENV.webhookAllowHosts]},127.0.0.1:${port}`,
      });
      const handler = await loadHandler('notifier');
      await invokeFunction(handler, 'notifier', mskEventCarrying(CONSUMERS.notifier.topic, event), 120);
    } finally {
      await outage;
      endpoint.closeAllConnections();
      endpoint.close();
    }

    const { rows } = await db.query(
      'SELECT status, attempts, unanswered_attempts FROM webhook_deliveries WHERE event_id = $1',
      [event.eventId],
    );
    expect(rows).toEqual([{ status: 'delivered', attempts: 1, unanswered_attempts: 0 }]);
    expect(received).toEqual([event.eventId]);
  }, 180_000);
});
