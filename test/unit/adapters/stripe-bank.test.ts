import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { toStripeAmount } from '../../../lambdas/core/adapters/bank/stripe-amounts';
import { STRIPE_METADATA } from '../../../lambdas/core/config/processors';
import { moneyFromStored } from '../../../lambdas/core/domain/money';
import { chargeRequest, refundRequest, usd } from '../../support/bank-use-cases';
import { privateStripeSimulator, testStripeBank } from '../../support/stripe-simulator';

const { url, controls } = await privateStripeSimulator();

const charge = (source: string, amount = usd('10.00'), paymentId = randomUUID()) =>
  chargeRequest(source, { amount, paymentId });
const intentsOf = (paymentId: string) =>
  controls.paymentIntents().filter((intent) => intent.metadata[STRIPE_METADATA.paymentId] === paymentId);

describe("amounts in Stripe's minor units", () => {
  const money = (amount: string, currency: string) => moneyFromStored(amount, currency);

  it.each([
    ['10.50', 'USD', 1050, 'usd'],
    ['500', 'JPY', 500, 'jpy'],
    ['1000', 'KRW', 1000, 'krw'],
    ['12', 'MGA', 12, 'mga'],
    ['5.120', 'KWD', 5120, 'kwd'],
    ['0.010', 'BHD', 10, 'bhd'],
    ['40', 'ISK', 4000, 'isk'],
  ])('%s %s is %i %s', (amount, currency, minor, code) => {
    expect(toStripeAmount(money(amount, currency))).toEqual({ amount: minor, currency: code });
  });

  it.each([
    ['5.124', 'KWD', 'amount_not_supported_by_processor'],
    ['1.50', 'MGA', 'amount_not_supported_by_processor'],
    ['40.10', 'ISK', 'amount_not_supported_by_processor'],
    ['1.000', 'IQD', 'currency_not_supported_by_processor'],
  ])('refuses %s %s (%s), never rounding it', (amount, currency, reason) => {
    expect(toStripeAmount(money(amount, currency))).toEqual({ unsupported: reason });
  });

  it('sends the minor units to Stripe, and declines an amount Stripe cannot take without asking it', async () => {
    const { bank } = testStripeBank(url);
    const yen = charge('pm_card_visa', moneyFromStored('500', 'JPY'));
    const dinars = charge('pm_card_visa', moneyFromStored('5.124', 'KWD'));

    expect((await bank.charge(yen)).kind).toBe('approved');
    expect(await bank.charge(dinars)).toEqual({
      kind: 'declined',
      reason: 'amount_not_supported_by_processor',
    });

    expect(intentsOf(yen.paymentId)).toEqual([expect.objectContaining({ amount: 500, currency: 'jpy' })]);
    expect(intentsOf(dinars.paymentId)).toEqual([]);
  });
});

describe('the Stripe connector', () => {
  it('takes a card token as well as a PaymentMethod, with the payment and merchant ids in the metadata', async () => {
    const { bank } = testStripeBank(url);
    const request = charge('tok_visa');

    const charged = await bank.charge(request);

    expect(charged).toEqual({ kind: 'approved', chargeId: intentsOf(request.paymentId)[0]?.id });
    expect(intentsOf(request.paymentId)[0]?.metadata[STRIPE_METADATA.merchantId]).toBe(request.merchantId);
  });

  it("names the refund, its payment and its merchant in a refund's metadata, so Stripe's later events find them", async () => {
    const { bank } = testStripeBank(url);
    const charged = await bank.charge(charge('pm_card_visa'));
    if (charged.kind !== 'approved') throw new Error(charged.kind);
    const request = refundRequest(charged.chargeId, usd('4.00'));

    const refunded = await bank.refund(request);

    if (refunded.kind !== 'refunded') throw new Error(refunded.kind);
    const made = controls.refunds().find((refund) => refund.id === refunded.bankRefundId);
    expect(made?.metadata).toEqual({
      [STRIPE_METADATA.refundId]: request.refundId,
      [STRIPE_METADATA.paymentId]: request.paymentId,
      [STRIPE_METADATA.merchantId]: request.merchantId,
    });
  });

  it('declines with the issuer decline code, else the card error code', async () => {
    const { bank } = testStripeBank(url);
    expect(await bank.charge(charge('pm_card_chargeDeclined'))).toEqual({
      kind: 'declined',
      reason: 'generic_decline',
    });
  });

  it('cancels a PaymentIntent that asks for 3-D Secure and declines it authentication_required, lookups too', async () => {
    const { bank, alarms } = testStripeBank(url);
    const request = charge('pm_card_authenticationRequired');

    expect(await bank.charge(request)).toEqual({ kind: 'declined', reason: 'authentication_required' });
    expect(await bank.lookupCharge(request)).toEqual({ kind: 'declined', reason: 'authentication_required' });

    expect(intentsOf(request.paymentId)).toEqual([
      expect.objectContaining({ status: 'canceled', cancellation_reason: 'abandoned' }),
    ]);
    expect(alarms).toEqual([]);
  });

  it('retries Stripe errors (5xx) with the same key, and charges once', async () => {
    const { bank, alarms } = testStripeBank(url, { ASPAY_BANK_MAX_ATTEMPTS: '3' });
    const request = charge('pm_card_visa');
    controls.failNext(2, 'error', '/v1/payment_intents');

    expect((await bank.charge(request)).kind).toBe('approved');
    expect(intentsOf(request.paymentId)).toHaveLength(1);
    expect(alarms).toEqual([]);
  });

  it('finds a PaymentIntent whose create answered a stored 500 (replays repeat it) by its metadata', async () => {
    const { bank, alarms } = testStripeBank(url, { ASPAY_BANK_MAX_ATTEMPTS: '2' });
    const request = charge('pm_card_visa');
    controls.failNext(1, 'error_after', '/v1/payment_intents');

    expect(await bank.charge(request)).toEqual({ kind: 'unavailable', reason: 'Stripe answered 500' });
    const found = await bank.lookupCharge(request);

    expect(found).toEqual({ kind: 'approved', chargeId: intentsOf(request.paymentId)[0]?.id });
    expect(intentsOf(request.paymentId)).toHaveLength(1);
    expect(alarms).toEqual([]);
  });

  it('makes, once, a charge that never reached Stripe when it is looked up (the replay)', async () => {
    const { bank } = testStripeBank(url);
    const request = charge('pm_card_visa');

    const found = await bank.lookupCharge(request);

    expect(found).toEqual({ kind: 'approved', chargeId: intentsOf(request.paymentId)[0]?.id });
    expect(await bank.charge(request)).toEqual(found);
    expect(intentsOf(request.paymentId)).toHaveLength(1);
  });

  it('leaves the payment undecided and alarms on a key Stripe refuses (401)', async () => {
    const { bank, alarms } = testStripeBank(url, {}, 'sk_live_wrong');
    const request = charge('pm_card_visa');

    expect((await bank.charge(request)).kind).toBe('unavailable');
    expect(alarms).toEqual([
      expect.objectContaining({ operation: 'charge', status: 401, answerClass: 'credentials' }),
    ]);
    expect(intentsOf(request.paymentId)).toEqual([]);
  });

  it('leaves the payment undecided and alarms on a request Stripe finds invalid (an unknown PaymentMethod)', async () => {
    const { bank, alarms } = testStripeBank(url);

    expect((await bank.charge(charge('pm_card_nosuchcard'))).kind).toBe('unavailable');
    expect(alarms).toEqual([
      expect.objectContaining({ operation: 'charge', status: 404, answerClass: 'contract' }),
    ]);
  });

  it('sends nothing for an abandoned call', async () => {
    const { bank } = testStripeBank(url);
    const request = charge('pm_card_visa');

    expect((await bank.charge(request, AbortSignal.abort('claim lapsed'))).kind).toBe('unavailable');
    expect(intentsOf(request.paymentId)).toEqual([]);
  });

  it('rejects a refund larger than what is left of the charge', async () => {
    const { bank } = testStripeBank(url);
    const charged = await bank.charge(charge('pm_card_visa'));
    if (charged.kind !== 'approved') throw new Error(charged.kind);

    expect(await bank.refund(refundRequest(charged.chargeId, usd('10.01')))).toEqual({
      kind: 'rejected',
      reason: 'amount_too_large',
    });
  });
});
