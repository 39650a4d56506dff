import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import {
  ProcessorLivemodeMismatchError,
  ProcessorSignatureExpiredError,
  ProcessorSignatureInvalidError,
} from '../../../lambdas/core/adapters/errors';
import { verifiedStripeEvent } from '../../../lambdas/core/adapters/stripe/processor-events';
import { STRIPE_METADATA } from '../../../lambdas/core/config/processors';

const SECRET = 'whsec_test_endpoint';
const paymentId = randomUUID();
const refundId = randomUUID();
const metadata = {
  [STRIPE_METADATA.paymentId]: paymentId,
  [STRIPE_METADATA.merchantId]: 'mer_1',
  [STRIPE_METADATA.refundId]: refundId,
};

function stripeEvent(type: string, object: Record<string, unknown>, livemode = false) {
  return JSON.stringify({ id: `evt_${randomUUID()}`, object: 'event', type, livemode, data: { object } });
}

/** Signed as Stripe signs, by the official SDK. */
function signed(payload: string, options: { secret?: string; timestamp?: number } = {}) {
  return Stripe.webhooks.generateTestHeaderString({
    payload,
    secret: options.secret ?? SECRET,
    ...(options.timestamp ? { timestamp: options.timestamp } : {}),
  });
}

const verify = (payload: string, header: string | undefined, mode: 'test' | 'live' = 'test') =>
  verifiedStripeEvent(Buffer.from(payload), header, SECRET, mode);

describe('Stripe events in', () => {
  const succeeded = stripeEvent('payment_intent.succeeded', {
    id: 'pi_1',
    object: 'payment_intent',
    metadata,
  });

  it('reads a late success as the payment its metadata names, the PaymentIntent as its charge', () => {
    expect(verify(succeeded, signed(succeeded))).toMatchObject({
      type: 'payment_intent.succeeded',
      mode: 'test',
      objectId: 'pi_1',
      meaning: { kind: 'payment_succeeded', ref: { paymentId, merchantId: 'mer_1' }, chargeId: 'pi_1' },
    });
  });

  it('refuses a missing signature, another secret and another body', () => {
    expect(() => verify(succeeded, undefined)).toThrow(ProcessorSignatureInvalidError);
    expect(() => verify(succeeded, signed(succeeded, { secret: 'whsec_forged' }))).toThrow(
      ProcessorSignatureInvalidError,
    );
    expect(() => verify(succeeded.replace('pi_1', 'pi_2'), signed(succeeded))).toThrow(
      ProcessorSignatureInvalidError,
    );
  });

  it('refuses a genuine signature older than the 300 s replay window, but not one within it', () => {
    const now = Math.floor(Date.now() / 1000);
    expect(() => verify(succeeded, signed(succeeded, { timestamp: now - 301 }))).toThrow(
      ProcessorSignatureExpiredError,
    );
    expect(verify(succeeded, signed(succeeded, { timestamp: now - 290 })).id).toMatch(/^evt_/);
  });

  it("refuses an event of the other mode on a mode's endpoint", () => {
    const live = stripeEvent('payment_intent.succeeded', { id: 'pi_1', metadata }, true);
    expect(() => verify(live, signed(live), 'test')).toThrow(ProcessorLivemodeMismatchError);
    expect(() => verify(succeeded, signed(succeeded), 'live')).toThrow(ProcessorLivemodeMismatchError);
  });

  it("reads a decline's reason as Stripe's decline code, else its error code", () => {
    const failed = (error: object) =>
      stripeEvent('payment_intent.payment_failed', { id: 'pi_1', metadata, last_payment_error: error });
    const declined = failed({ code: 'card_declined', decline_code: 'insufficient_funds' });
    expect(verify(declined, signed(declined)).meaning).toMatchObject({ reason: 'insufficient_funds' });
    const expired = failed({ code: 'expired_card' });
    expect(verify(expired, signed(expired)).meaning).toMatchObject({ reason: 'expired_card' });
  });

  it.each(['refund.updated', 'charge.refund.updated', 'refund.failed'])(
    "reads %s by the refund's status: succeeded, failed or canceled decide, pending does not",
    (type) => {
      const refund = (status: string, failure_reason?: string) =>
        stripeEvent(type, { id: 're_1', object: 'refund', status, failure_reason, metadata });
      const read = (payload: string) => verify(payload, signed(payload)).meaning;
      expect(read(refund('succeeded'))).toEqual({
        kind: 'refund_succeeded',
        ref: { paymentId, merchantId: 'mer_1' },
        refundId,
        bankRefundId: 're_1',
      });
      expect(read(refund('failed', 'expired_or_canceled_card'))).toMatchObject({
        kind: 'refund_failed',
        reason: 'expired_or_canceled_card',
      });
      expect(read(refund('canceled'))).toMatchObject({ kind: 'refund_failed', reason: 'canceled' });
      expect(read(refund('pending'))).toEqual({ kind: 'other' });
    },
  );

  it('reads a dispute by the PaymentIntent it disputes, with its amount and reason as Stripe states them', () => {
    const dispute = stripeEvent('charge.dispute.created', {
      id: 'dp_1',
      object: 'dispute',
      amount: 2500,
      currency: 'usd',
      reason: 'fraudulent',
      charge: 'ch_1',
      payment_intent: 'pi_1',
    });
    expect(verify(dispute, signed(dispute)).meaning).toEqual({
      kind: 'dispute_opened',
      chargeId: 'pi_1',
      disputeId: 'dp_1',
      details: {
        disputeId: 'dp_1',
        stripeAmount: 2500,
        currency: 'USD',
        reason: 'fraudulent',
        charge: 'ch_1',
      },
    });
  });

  it('names no payment by metadata that is not a UUID, and means nothing by other event types', () => {
    const foreign = stripeEvent('payment_intent.succeeded', {
      id: 'pi_1',
      metadata: { [STRIPE_METADATA.paymentId]: "1' OR '1'='1" },
    });
    expect(verify(foreign, signed(foreign)).meaning).toMatchObject({ ref: {} });
    const other = stripeEvent('customer.created', { id: 'cus_1' });
    expect(verify(other, signed(other)).meaning).toEqual({ kind: 'other' });
  });
});
