import { describe, expect, it } from 'vitest';
import { RefundExceedsAvailableError, RefundNotAllowedError } from '../../../lambdas/core/domain/errors';
import {
  IdempotencyKeyReusedError,
  PaymentNotFoundError,
  RefundNotFoundError,
} from '../../../lambdas/core/use-cases/errors';
import {
  type CreatePaymentCommand,
  createPayment,
  getPayment,
  listPayments,
} from '../../../lambdas/core/use-cases/payments';
import { getRefund, listRefunds, refundPayment } from '../../../lambdas/core/use-cases/refunds';
import { settlePayment } from '../../../lambdas/core/use-cases/settle-payment';
import { BANK_RETRY_SETTINGS, bankAnswering, NOW, sandboxOnly, usd } from '../../support/bank-use-cases';
import { inMemoryPayments } from '../../support/in-memory-payments';

const ACME = { merchantId: 'mer_demo_acme', mode: 'test' } as const;
const clock = () => NOW;

const command = (overrides: Partial<CreatePaymentCommand> = {}): CreatePaymentCommand => ({
  ...ACME,
  idempotencyKey: crypto.randomUUID(),
  requestHash: 'hash-of-body',
  amount: '25.5',
  currency: 'USD',
  source: 'tok_success',
  metadata: { order: '1001' },
  ...overrides,
});

/** A payment the bank approved, settled as the bank processor does. */
async function successfulPayment(payments: ReturnType<typeof inMemoryPayments>, amount = '100.00') {
  const { payment } = await createPayment(payments.store, command({ amount }), clock);
  const { bank } = bankAnswering({ kind: 'approved', chargeId: 'ch_1' });
  const settled = await settlePayment(
    { lifecycle: payments.lifecycle, banks: sandboxOnly(bank), settings: BANK_RETRY_SETTINGS, clock },
    payment.id,
    { deadline: clock(), waitForHolder: false },
  );
  expect(settled).toBe('succeeded');
  return payment;
}

const refundCommand = (paymentId: string, amount?: string) => ({
  ...ACME,
  paymentId,
  idempotencyKey: crypto.randomUUID(),
  requestHash: 'hash-of-refund',
  amount,
});

describe('creating a payment', () => {
  it('records an INITIATED payment with its payment.initiated event carrying the formatted amount', async () => {
    const payments = inMemoryPayments(clock);

    const { payment, created } = await createPayment(payments.store, command(), clock);

    expect(created).toBe(true);
    expect(payment).toMatchObject({ status: 'INITIATED', currency: 'USD' });
    expect(payment.amount).toEqual(usd('25.50'));
    expect(payments.outbox).toEqual([
      expect.objectContaining({
        type: 'payment.initiated',
        paymentId: payment.id,
        merchantId: ACME.merchantId,
        livemode: false,
        occurredAt: NOW.toISOString(),
        data: expect.objectContaining({ amount: '25.50', currency: 'USD', status: 'INITIATED' }),
      }),
    ]);
  });

  it('returns the first payment for a repeated key with the same body, writing nothing', async () => {
    const payments = inMemoryPayments(clock);
    const repeated = command();

    const first = await createPayment(payments.store, repeated, clock);
    const second = await createPayment(payments.store, repeated, clock);

    expect(second).toEqual({ payment: first.payment, created: false });
    expect(payments.outbox).toHaveLength(1);
  });

  it('refuses a repeated key with another body', async () => {
    const payments = inMemoryPayments(clock);
    const first = command();
    await createPayment(payments.store, first, clock);

    await expect(
      createPayment(payments.store, { ...first, amount: '99.00', requestHash: 'another-body' }, clock),
    ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
  });
});

describe('reading payments', () => {
  it("returns a payment with its history, and not found for another merchant's", async () => {
    const payments = inMemoryPayments(clock);
    const { payment } = await createPayment(payments.store, command(), clock);

    const read = await getPayment(payments.store, ACME, payment.id);

    expect(read.history.map((change) => change.to)).toEqual(['INITIATED']);
    await expect(
      getPayment(payments.store, { merchantId: 'mer_demo_globex', mode: 'test' }, payment.id),
    ).rejects.toBeInstanceOf(PaymentNotFoundError);
    await expect(getPayment(payments.store, { ...ACME, mode: 'live' }, payment.id)).rejects.toBeInstanceOf(
      PaymentNotFoundError,
    );
  });

  it('lists newest first, a page at a time', async () => {
    const payments = inMemoryPayments(clock);
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await createPayment(payments.store, command(), clock)).payment.id);

    const first = await listPayments(payments.store, ACME, { limit: 2 });
    const second = await listPayments(payments.store, ACME, { limit: 2, startingAfter: ids[1] });

    expect(first.payments.map((payment) => payment.id)).toEqual([ids[2], ids[1]]);
    expect(first.hasMore).toBe(true);
    expect(second).toEqual({ payments: [expect.objectContaining({ id: ids[0] })], hasMore: false });
  });
});

describe('refunding a payment', () => {
  it('records refunds as pending, the rest included, and leaves the payment SUCCESS until the bank executes them', async () => {
    const payments = inMemoryPayments(clock);
    const payment = await successfulPayment(payments);

    const partial = await refundPayment(payments.store, refundCommand(payment.id, '30'), clock);
    const rest = await refundPayment(payments.store, refundCommand(payment.id), clock);

    expect(partial.payment).toMatchObject({ status: 'SUCCESS', pendingRefundAmount: usd('30.00') });
    expect(rest.refund).toMatchObject({ amount: usd('70.00'), status: 'PENDING' });
    expect(rest.payment).toMatchObject({
      status: 'SUCCESS',
      refundedAmount: usd('0.00'),
      pendingRefundAmount: usd('100.00'),
    });
    expect(
      payments.outbox.filter((event) => event.type === 'payment.refunded').map((event) => event.data),
    ).toEqual([
      expect.objectContaining({
        amount: '30.00',
        refundedTotal: '0.00',
        pendingTotal: '30.00',
        statusAfter: 'SUCCESS',
      }),
      expect.objectContaining({
        amount: '70.00',
        refundedTotal: '0.00',
        pendingTotal: '100.00',
        statusAfter: 'SUCCESS',
      }),
    ]);
    await expect(refundPayment(payments.store, refundCommand(payment.id, '0.01'), clock)).rejects.toThrow(
      RefundExceedsAvailableError,
    );
  });

  it('records one refund for a repeated key, and refuses the key with another body', async () => {
    const payments = inMemoryPayments(clock);
    const payment = await successfulPayment(payments);
    const repeated = refundCommand(payment.id, '10.00');

    const first = await refundPayment(payments.store, repeated, clock);
    const second = await refundPayment(payments.store, repeated, clock);

    expect(second).toMatchObject({ refund: first.refund, created: false });
    expect(payments.refunds).toHaveLength(1);
    await expect(
      refundPayment(payments.store, { ...repeated, requestHash: 'another-body' }, clock),
    ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
  });

  it('refuses more than remains, a payment that has not succeeded, and an unknown payment', async () => {
    const payments = inMemoryPayments(clock);
    const payment = await successfulPayment(payments, '10.00');
    const { payment: initiated } = await createPayment(payments.store, command(), clock);

    await expect(
      refundPayment(payments.store, refundCommand(payment.id, '10.01'), clock),
    ).rejects.toBeInstanceOf(RefundExceedsAvailableError);
    await expect(refundPayment(payments.store, refundCommand(initiated.id), clock)).rejects.toBeInstanceOf(
      RefundNotAllowedError,
    );
    await expect(
      refundPayment(payments.store, refundCommand(crypto.randomUUID()), clock),
    ).rejects.toBeInstanceOf(PaymentNotFoundError);
    expect(payments.refunds).toEqual([]);
  });
});

describe('reading a refund', () => {
  it('reads a new refund PENDING with its payment, and not found in another scope', async () => {
    const payments = inMemoryPayments(clock);
    const payment = await successfulPayment(payments);
    const { refund } = await refundPayment(payments.store, refundCommand(payment.id, '40.00'), clock);

    const read = await getRefund(payments.store, ACME, refund.id);

    expect(read.refund).toMatchObject({ id: refund.id, status: 'PENDING', failureReason: null });
    expect(read.payment).toMatchObject({ id: payment.id, pendingRefundAmount: usd('40.00') });
    for (const scope of [
      { merchantId: 'mer_demo_globex', mode: 'test' },
      { ...ACME, mode: 'live' },
    ] as const)
      await expect(getRefund(payments.store, scope, refund.id)).rejects.toBeInstanceOf(RefundNotFoundError);
  });

  it("lists a payment's refunds newest first, a page at a time, and refuses another scope's payment", async () => {
    const payments = inMemoryPayments(clock);
    const payment = await successfulPayment(payments);
    const ids: string[] = [];
    for (const amount of ['1.00', '2.00', '3.00'])
      ids.push((await refundPayment(payments.store, refundCommand(payment.id, amount), clock)).refund.id);

    const first = await listRefunds(payments.store, ACME, payment.id, { limit: 2 });
    const rest = await listRefunds(payments.store, ACME, payment.id, { limit: 2, startingAfter: ids[1] });

    expect(first.refunds.map((refund) => refund.id)).toEqual([ids[2], ids[1]]);
    expect(first.hasMore).toBe(true);
    expect(rest).toMatchObject({ refunds: [expect.objectContaining({ id: ids[0] })], hasMore: false });
    await expect(
      listRefunds(payments.store, { ...ACME, mode: 'live' }, payment.id, { limit: 10 }),
    ).rejects.toBeInstanceOf(PaymentNotFoundError);
  });
});
