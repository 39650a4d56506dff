import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createEvent } from '../../../lambdas/core/domain/events';
import type { JournalEntryPlan } from '../../../lambdas/core/domain/ledger';
import type { LedgerStore } from '../../../lambdas/core/use-cases/ports';
import { postToLedger, WaitingForEarlierEventError } from '../../../lambdas/core/use-cases/post-to-ledger';

/** A ledger that knows one payment's capture state and records what it is asked to post. */
function ledgerWithCapture(state: 'posted' | 'refused' | 'missing') {
  const posted: JournalEntryPlan[] = [];
  const ledger: LedgerStore = {
    post: async (_, entry) => {
      posted.push(entry);
      return 'posted';
    },
    paymentEntryState: async () => state,
    reportPostingFailure: async () => true,
    frozenReason: async () => undefined,
    balances: async () => [],
  };
  return { ledger, posted };
}

const refund = createEvent(
  'payment.refund_executed',
  { paymentId: randomUUID(), merchantId: 'mer_demo_acme', mode: 'test' },
  { refundId: randomUUID(), amount: '5.00', currency: 'USD', bankRefundId: 're_test' },
  new Date(),
);

describe('postToLedger with a refund', () => {
  it('posts the reversal of a posted capture', async () => {
    const { ledger, posted } = ledgerWithCapture('posted');
    expect(await postToLedger(ledger, refund, () => new Date())).toBe('posted');
    expect(posted.map((entry) => entry.kind)).toEqual(['refund']);
  });

  it('posts nothing for a payment whose capture the ledger refused (the saga compensates it)', async () => {
    const { ledger, posted } = ledgerWithCapture('refused');
    expect(await postToLedger(ledger, refund, () => new Date())).toBe('not_posted');
    expect(posted).toEqual([]);
  });

  it('waits for an earlier event when the capture is not posted yet, instead of calling it done', async () => {
    const { ledger, posted } = ledgerWithCapture('missing');
    await expect(postToLedger(ledger, refund, () => new Date())).rejects.toBeInstanceOf(
      WaitingForEarlierEventError,
    );
    expect(posted).toEqual([]);
  });
});
