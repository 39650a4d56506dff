import { describe, expect, it } from 'vitest';
import { createEvent } from '../../../lambdas/core/domain/events';
import { moneyFromStored } from '../../../lambdas/core/domain/money';
import { isReceiptEvent, RECEIPT_EVENTS, receiptMessage } from '../../../lambdas/core/domain/receipts';

const ids = { paymentId: '7f0c3c56-3f0e-4c2c-9a43-2d6f1d3e8b10', merchantId: 'mer_1', mode: 'test' as const };
const at = new Date('2026-12-07T10:00:00.000Z');
const usd = (amount: string) => moneyFromStored(amount, 'USD');
const snapshot = { amount: usd('25'), currency: 'USD', source: 'tok_success', metadata: {} };
const shop = { merchantName: 'Acme', description: 'Green tea' };

describe('customer receipts', () => {
  it('are written for a success, a failure and an executed refund only', () => {
    expect([...RECEIPT_EVENTS]).toEqual(['payment.succeeded', 'payment.failed', 'payment.refund_executed']);
    const asked = createEvent(
      'payment.refunded',
      ids,
      {
        refundId: '0b7c1c2e-3b4f-4a5c-8d6e-9f0a1b2c3d4e',
        amount: usd('5'),
        currency: 'USD',
        refundedTotal: usd('0'),
        statusAfter: 'SUCCESS',
      },
      at,
    );
    expect(isReceiptEvent(asked)).toBe(false);
  });

  it('say what was paid, to whom, for what and when (UTC), in the currency’s decimals', () => {
    const paid = createEvent('payment.succeeded', ids, { ...snapshot, status: 'SUCCESS' }, at);
    expect(receiptMessage(paid, shop)).toEqual({
      subject: 'Your receipt from Acme',
      text: [
        'You paid 25.00 USD to Acme.',
        '',
        'Description: Green tea',
        `Payment: ${ids.paymentId}`,
        'Date: 2026-12-07T10:00:00.000Z (UTC)',
      ].join('\n'),
    });
  });

  it('tell a failed payment was not charged, and a refund what came back', () => {
    const failed = createEvent('payment.failed', ids, { ...snapshot, status: 'FAILED' }, at);
    expect(receiptMessage(failed, { ...shop, description: null })).toMatchObject({
      subject: 'Your payment to Acme did not go through',
      text: expect.stringContaining('failed: nothing was charged.'),
    });
    const refunded = createEvent(
      'payment.refund_executed',
      ids,
      {
        refundId: '0b7c1c2e-3b4f-4a5c-8d6e-9f0a1b2c3d4e',
        amount: usd('5'),
        currency: 'USD',
        bankRefundId: 're_1',
      },
      at,
    );
    expect(receiptMessage(refunded, shop)).toMatchObject({
      subject: 'Acme refunded you',
      text: expect.stringContaining('Acme refunded 5.00 USD of your payment.'),
    });
  });
});
