import { webhookDeliveriesContract } from '../../contracts/webhook-deliveries.contract';
import { inMemoryWebhookDeliveries } from '../../support/in-memory-webhook-deliveries';

/** The in-memory delivery records the use-case tests run on, held to the PostgreSQL adapter's contract. */
webhookDeliveriesContract('in memory', async (work) => {
  await work({ deliveries: inMemoryWebhookDeliveries({}).deliveries, merchantId: 'mer_contract' });
});
