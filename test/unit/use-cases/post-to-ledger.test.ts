import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createEvent } from '../../../lambdas/core/domain/events';
import { WaitingForEarlierEventError } from '../../../lambdas/core/use-cases/errors';
import { postToLedger } from '../../../lambdas/core/use-cases/post-to-ledger';
import { NOW, usd } from '../../support/bank-use-cases';
import { inMemoryLedger } from '../../support/in-memory-ledger';

const MERCHANT = 'mer_demo_acme';
const clock = () => NOW;

const succeeded = (paymentId: string, merchantId = MERCHANT) =>
  createEvent(
    'payment.succeeded',
    { paymentId, merchantId, mode: 'test' },
    { amount: '25.00', currency: 'USD', status: 'SUCCESS', source: 'tok_success', metadata: {} },
    NOW,
  );

const refundExecuted = (paymentId: string) =>
  createEvent(
    'payment.refund_executed',
    { paymentId, merchantId: MERCHANT, mode: 'test' },
    { refundId: randomUUID(), amount: '5.00', currency: 'USD', bankRefundId: 're_test' },
    NOW,
  );

describe('posting a SUCCESS payment to the ledger', () => {
  it('debits customer funds and credits the merchant, in the payment’s mode and amount', async () => {
    const { ledger, entries } = inMemoryLedger();
    const paymentId = randomUUID();

    expect(await postToLedger(ledger, succeeded(paymentId), clock)).toBe('posted');

    expect(entries).toEqual([
      expect.objectContaining({
        kind: 'payment',
        mode: 'test',
        postings: [
          expect.objectContaining({
            direction: 'debit',
            amount: usd('25.00'),
            account: expect.objectContaining({ id: 'customer_funds:test:USD' }),
          }),
          expect.objectContaining({
            direction: 'credit',
            amount: usd('25.00'),
            account: expect.objectContaining({ id: `merchant_payable:${MERCHANT}:test:USD` }),
          }),
        ],
      }),
    ]);
  });

  it('posts a redelivered payment.succeeded once', async () => {
    const { ledger, entries } = inMemoryLedger();
    const event = succeeded(randomUUID());

    const outcomes = [await postToLedger(ledger, event, clock), await postToLedger(ledger, event, clock)];

    expect(outcomes).toEqual(['posted', 'duplicate']);
    expect(entries).toHaveLength(1);
  });

  it('posts nothing for a frozen merchant and reports the failure once, which starts the saga', async () => {
    const { ledger, entries, events } = inMemoryLedger({ frozen: { [MERCHANT]: 'fraud review' } });
    const event = succeeded(randomUUID());

    const outcomes = [await postToLedger(ledger, event, clock), await postToLedger(ledger, event, clock)];

    expect(outcomes).toEqual(['posting_failed', 'posting_failed']);
    expect(entries).toEqual([]);
    expect(events).toEqual([
      expect.objectContaining({
        type: 'ledger.posting_failed',
        paymentId: event.paymentId,
        data: { failedEventId: event.eventId, reason: 'merchant account frozen: fraud review' },
      }),
    ]);
  });

  it.each(['payment.initiated', 'payment.failed', 'payment.refunded'] as const)(
    'posts nothing for %s: no money moved yet',
    async (type) => {
      const { ledger, entries } = inMemoryLedger();
      const event = { ...succeeded(randomUUID()), type } as unknown as Parameters<typeof postToLedger>[1];

      expect(await postToLedger(ledger, event, clock)).toBe('ignored');
      expect(entries).toEqual([]);
    },
  );
});

describe('posting a refund the bank executed', () => {
  it('posts the reversal of a posted capture', async () => {
    const { ledger, entries } = inMemoryLedger();
    const paymentId = randomUUID();
    await postToLedger(ledger, succeeded(paymentId), clock);

    expect(await postToLedger(ledger, refundExecuted(paymentId), clock)).toBe('posted');

    expect(entries.map((entry) => [entry.kind, entry.postings.map((posting) => posting.direction)])).toEqual([
      ['payment', ['debit', 'credit']],
      ['refund', ['debit', 'credit']],
    ]);
    expect(entries[1]?.postings[0]?.account.id).toBe(`merchant_payable:${MERCHANT}:test:USD`);
  });

  it("posts a refund's reversal once for a redelivered event", async () => {
    const { ledger, entries } = inMemoryLedger();
    const paymentId = randomUUID();
    await postToLedger(ledger, succeeded(paymentId), clock);
    const refund = refundExecuted(paymentId);

    const outcomes = [await postToLedger(ledger, refund, clock), await postToLedger(ledger, refund, clock)];

    expect(outcomes).toEqual(['posted', 'duplicate']);
    expect(entries.filter((entry) => entry.kind === 'refund')).toHaveLength(1);
  });

  it('posts nothing for a payment whose capture the ledger refused (the saga compensates it)', async () => {
    const { ledger, entries } = inMemoryLedger({ frozen: { [MERCHANT]: 'fraud review' } });
    const paymentId = randomUUID();
    await postToLedger(ledger, succeeded(paymentId), clock);

    expect(await postToLedger(ledger, refundExecuted(paymentId), clock)).toBe('not_posted');
    expect(entries).toEqual([]);
  });

  it('waits for an earlier event when the capture is not posted yet, instead of calling it done', async () => {
    const { ledger, entries } = inMemoryLedger();

    await expect(postToLedger(ledger, refundExecuted(randomUUID()), clock)).rejects.toBeInstanceOf(
      WaitingForEarlierEventError,
    );
    expect(entries).toEqual([]);
  });
});
