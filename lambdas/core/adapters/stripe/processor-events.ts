import Stripe from 'stripe';
import { z } from 'zod';
import { STRIPE_METADATA } from '../../config/processors';
import { isLivemode, type Mode } from '../../domain/mode';
import type { AspayReference, ProcessorEvent, ProcessorEventMeaning } from '../../domain/processor-events';
import {
  ProcessorLivemodeMismatchError,
  ProcessorSignatureExpiredError,
  ProcessorSignatureInvalidError,
} from '../errors';

/**
 * Stripe's replay window: an event signed longer ago than this is refused, Stripe's own default
 * (https://docs.stripe.com/webhooks#replay-attacks).
 */
export const STRIPE_SIGNATURE_TOLERANCE_SECONDS = Stripe.webhooks.DEFAULT_TOLERANCE;

/**
 * A Stripe webhook event, verified with the official SDK: the `Stripe-Signature` header must sign these very
 * bytes with the mode's endpoint secret within the replay window, and the event must be of the endpoint's mode
 * (each mode has its own endpoint and secret). Refused: a typed 400, and nothing is read from the body.
 * https://docs.stripe.com/webhooks#verify-official-libraries
 */
export function verifiedStripeEvent(
  rawBody: Buffer,
  signature: string | undefined,
  webhookSecret: string,
  mode: Mode,
): ProcessorEvent {
  let event: Stripe.Event;
  try {
    event = Stripe.webhooks.constructEvent(
      rawBody,
      signature ?? '',
      webhookSecret,
      STRIPE_SIGNATURE_TOLERANCE_SECONDS,
    );
  } catch (error) {
    if (!(error instanceof Stripe.errors.StripeSignatureVerificationError)) throw error;
    // The SDK reports a stale timestamp and a wrong signature alike: a signature that verifies once the
    // timestamp is not checked (tolerance 0) is genuine, only too old.
    throw genuineIgnoringAge(rawBody, signature ?? '', webhookSecret)
      ? new ProcessorSignatureExpiredError(STRIPE_SIGNATURE_TOLERANCE_SECONDS)
      : new ProcessorSignatureInvalidError();
  }
  if (event.livemode !== isLivemode(mode)) throw new ProcessorLivemodeMismatchError(mode);
  const object = event.data.object as { id?: unknown };
  return {
    id: event.id,
    type: event.type,
    mode,
    objectId: typeof object.id === 'string' ? object.id : null,
    meaning: stripeEventMeaning(event),
  };
}

function genuineIgnoringAge(rawBody: Buffer, signature: string, webhookSecret: string): boolean {
  try {
    Stripe.webhooks.signature?.verifyHeader(rawBody, signature, webhookSecret, 0);
    return true;
  } catch {
    return false;
  }
}

const uuid = z.uuid();

/** ASPay's ids in a Stripe object's metadata (config/processors.ts); a value that is no UUID names nothing. */
function aspayReference(metadata: Stripe.Metadata | null | undefined): AspayReference {
  const paymentId = uuid.safeParse(metadata?.[STRIPE_METADATA.paymentId]);
  const merchantId = metadata?.[STRIPE_METADATA.merchantId];
  return {
    ...(paymentId.success ? { paymentId: paymentId.data } : {}),
    ...(merchantId ? { merchantId } : {}),
  };
}

function refundMeaning(refund: Stripe.Refund): ProcessorEventMeaning {
  const ref = aspayReference(refund.metadata);
  const refundId = uuid.safeParse(refund.metadata?.[STRIPE_METADATA.refundId]);
  const ids = { ref, ...(refundId.success ? { refundId: refundId.data } : {}), bankRefundId: refund.id };
  // A refund's status: pending, requires_action, succeeded, failed or canceled
  // (https://docs.stripe.com/api/refunds/object#refund_object-status); only the last three are outcomes.
  switch (refund.status) {
    case 'succeeded':
      return { kind: 'refund_succeeded', ...ids };
    case 'failed':
    case 'canceled':
      return { kind: 'refund_failed', ...ids, reason: refund.failure_reason ?? refund.status };
    default:
      return { kind: 'other' };
  }
}

/**
 * What a Stripe event means to ASPay. Refund outcomes arrive as `refund.updated` (every refund),
 * `charge.refund.updated` (older integrations and some payment methods) and `refund.failed`
 * (https://docs.stripe.com/refunds#failed-refunds): all are read from the Refund they carry, so whichever
 * arrives, and in whichever order, the refund's status decides.
 */
export function stripeEventMeaning(event: Stripe.Event): ProcessorEventMeaning {
  switch (event.type) {
    case 'payment_intent.succeeded': {
      const intent = event.data.object;
      return { kind: 'payment_succeeded', ref: aspayReference(intent.metadata), chargeId: intent.id };
    }
    case 'payment_intent.payment_failed': {
      const intent = event.data.object;
      const error = intent.last_payment_error;
      return {
        kind: 'payment_failed',
        ref: aspayReference(intent.metadata),
        reason: error?.decline_code ?? error?.code ?? 'payment_failed',
      };
    }
    case 'refund.updated':
    case 'refund.failed':
    case 'charge.refund.updated':
      return refundMeaning(event.data.object);
    case 'charge.dispute.created': {
      const dispute = event.data.object;
      const charge = typeof dispute.charge === 'string' ? dispute.charge : dispute.charge.id;
      const intent =
        typeof dispute.payment_intent === 'string' ? dispute.payment_intent : dispute.payment_intent?.id;
      return {
        kind: 'dispute_opened',
        // ASPay records a Stripe payment's PaymentIntent id as its bank charge id.
        chargeId: intent ?? charge,
        disputeId: dispute.id,
        // Stripe's amount in the currency's smallest unit, as Stripe states it.
        details: {
          disputeId: dispute.id,
          stripeAmount: dispute.amount,
          currency: dispute.currency.toUpperCase(),
          reason: dispute.reason,
          charge,
        },
      };
    }
    default:
      return { kind: 'other' };
  }
}
