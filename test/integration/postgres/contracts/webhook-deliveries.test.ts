import { beforeAll } from 'vitest';
import { postgresWebhookDeliveries } from '../../../../lambdas/core/adapters/postgres/webhook-deliveries';
import { webhookDeliveriesContract } from '../../../contracts/webhook-deliveries.contract';
import {
  createTestMerchant,
  testDatabase,
  testSecretBox,
  withRolledBackPool,
} from '../../../support/database';

const db = testDatabase();
let merchantId = '';
beforeAll(async () => {
  merchantId = (await createTestMerchant(db)).id;
});

/** The PostgreSQL adapter, each test in a transaction rolled back: the notifier and the sweep see nothing. */
webhookDeliveriesContract('PostgreSQL', (work) =>
  withRolledBackPool(db, (pool) =>
    work({ deliveries: postgresWebhookDeliveries(pool, testSecretBox()), merchantId }),
  ),
);
