/**
 * Consumes `payment-events` (MSK event source mapping): one e-mail to the customer who paid for every SUCCESS
 * (receipt), FAILED (notice) and executed refund, when the merchant opted in and the payment names the
 * customer's address (docs/receipts.md). Its own consumer group, so a mail service that is away delays the
 * receipts only, never the merchant's webhooks. The delivery record, whose primary key is the event id, decides
 * who sends.
 */
import { databasePool } from '../core/adapters/postgres/connection';
import { postgresReceiptDeliveries } from '../core/adapters/postgres/receipt-deliveries';
import { sqsDeadLetterQueue } from '../core/adapters/sqs/dead-letter-queue';
import { CONSUMERS } from '../core/config/messaging';
import { isReceiptEvent, RECEIPT_EVENTS } from '../core/domain/receipts';
import { consumerHandler } from '../core/messaging/consumer-handler';
import { logger, metrics } from '../core/observability';
import { sendReceipt } from '../core/use-cases/send-receipt';
import { receiptWiring } from '../core/wiring/receipts';

const { mailer, ...wiring } = receiptWiring();

export const handler = consumerHandler(
  CONSUMERS.receipts,
  sqsDeadLetterQueue(),
  RECEIPT_EVENTS,
  async (event, context) => {
    if (!mailer || !isReceiptEvent(event)) return;
    const outcome = await sendReceipt(
      { ...wiring, mailer, deliveries: postgresReceiptDeliveries(await databasePool()) },
      event,
      new Date(Date.now() + context.getRemainingTimeInMillis()),
    );
    // The outcome and the event only: the customer's address is never logged.
    logger.info('receipt handled', { type: event.type, outcome });
    metrics.addMetric(`Receipt_${outcome}`, 'Count', 1);
  },
);
