/**
 * POST /v1/webhooks/stripe/{mode} — Stripe's events about ASPay's payments and refunds. No merchant key: the
 * Stripe-Signature header, made with the mode's endpoint secret over the raw body, authenticates the event.
 * 200 once the event is recorded (a repeated one changes nothing); 400 for what Stripe did not sign, and
 * nothing is stored; 503 while the database is away, so that Stripe delivers it again (it retries a failed
 * delivery with backoff for up to three days: https://docs.stripe.com/webhooks#retries).
 */
import { databasePool } from '../core/adapters/postgres/connection';
import { postgresProcessorEvents } from '../core/adapters/postgres/processor-events';
import { stripeCredentials } from '../core/adapters/secrets/stripe-credentials';
import { verifiedStripeEvent } from '../core/adapters/stripe/processor-events';
import { processorOf } from '../core/config/processors';
import { MAX_PROCESSOR_EVENT_BYTES } from '../core/config/routes';
import { isMode } from '../core/domain/mode';
import { apiHandler, rawBodyOf } from '../core/http/api-handler';
import { RouteNotFoundError } from '../core/http/errors';
import { logger, metrics } from '../core/observability';
import { systemClock } from '../core/use-cases/ports/clock';
import { applyProcessorEvent } from '../core/use-cases/processor-events';

export const handler = apiHandler(
  async (request, event) => {
    const { mode } = request.pathParameters;
    // A mode whose processor is not Stripe has no Stripe endpoint.
    if (!isMode(mode) || processorOf(mode) !== 'stripe') throw new RouteNotFoundError();
    const body = rawBodyOf(event, MAX_PROCESSOR_EVENT_BYTES);
    const { webhookSecret } = await stripeCredentials(mode);
    const received = verifiedStripeEvent(body, request.headers['stripe-signature'], webhookSecret, mode);
    logger.appendKeys({ processorEventId: received.id, processorEventType: received.type });
    const result = await applyProcessorEvent(
      postgresProcessorEvents(await databasePool()),
      received,
      systemClock,
    );
    const { outcome, paymentId, refundId } = result;
    if (received.meaning.kind === 'dispute_opened' && outcome !== 'duplicate') {
      // The dispute workflow is later work: a dispute is recorded, and pages someone.
      logger.error('a charge is disputed', { outcome, paymentId, ...received.meaning.details });
      metrics.addMetric('DisputesOpened', 'Count', 1);
    } else if (outcome === 'unmatched') {
      // Answered 200 all the same: Stripe would deliver it again for days, and it would never match.
      logger.warn('a processor event names no payment of this mode', { objectId: received.objectId });
    } else {
      logger.info('processor event handled', { outcome, paymentId, refundId });
    }
    return { statusCode: 200, body: { received: true } };
  },
  { readsBody: false },
);
