import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createEvent } from '../../lambdas/core/domain/events';
import { paymentEntry, refundEntry } from '../../lambdas/core/domain/ledger';
import { formatAmount, moneyFromStored } from '../../lambdas/core/domain/money';
import type { Ledger } from '../../lambdas/core/use-cases/ports/ledger';

/** The ledger of one implementation, and how to freeze a merchant's accounts in it. */
export interface LedgerPorts {
  readonly ledger: Ledger;
  freeze(merchantId: string, reason: string): Promise<void>;
}

/** Runs one contract test on a ledger of its own: nothing one test writes is seen by another. */
export type WithLedgerPorts = (work: (ports: LedgerPorts) => Promise<void>) => Promise<void>;

const usd = (amount: string) => moneyFromStored(amount, 'USD');

/** A payment of a merchant of its own (so its balances start empty), and its events' ids. */
function payment() {
  const merchantId = `mer_contract_${randomUUID().slice(0, 8)}`;
  const paymentId = randomUUID();
  return { merchantId, paymentId, source: () => ({ eventId: randomUUID(), paymentId, merchantId }) };
}

/** The `Ledger` behaviours every implementation shares. */
export function ledgerContract(implementation: string, withPorts: WithLedgerPorts) {
  describe(`the ledger (${implementation})`, () => {
    it('posts an event’s entry once: the same event again is a duplicate', () =>
      withPorts(async ({ ledger }) => {
        const { merchantId, paymentId, source } = payment();
        const event = source();
        const entry = paymentEntry(paymentId, merchantId, 'test', usd('25.00'));

        expect(await ledger.post(event, entry)).toBe('posted');
        expect(await ledger.post(event, entry)).toBe('duplicate');
        expect((await ledger.balances({ merchantId, mode: 'test' })).map(formatAmount)).toEqual(['25.00']);
      }));

    it('tells a payment’s own entry posted, refused (its failure reported) or missing', () =>
      withPorts(async ({ ledger }) => {
        const posted = payment();
        const refused = payment();
        await ledger.post(
          posted.source(),
          refundEntry(posted.paymentId, posted.merchantId, 'test', usd('1'), 'r'),
        );
        const missingWithARefundOnly = await ledger.paymentEntryState(posted.paymentId);
        await ledger.post(
          posted.source(),
          paymentEntry(posted.paymentId, posted.merchantId, 'test', usd('25')),
        );
        const failed = refused.source();
        const report = createEvent(
          'ledger.posting_failed',
          { paymentId: refused.paymentId, merchantId: refused.merchantId, mode: 'test' },
          { failedEventId: failed.eventId, reason: 'merchant account frozen: contract' },
          new Date(),
        );

        expect(missingWithARefundOnly).toBe('missing');
        expect(await ledger.paymentEntryState(posted.paymentId)).toBe('posted');
        expect(await ledger.paymentEntryState(refused.paymentId)).toBe('missing');
        expect(await ledger.reportPostingFailure({ ...failed, reason: 'frozen' }, report)).toBe(true);
        expect(await ledger.reportPostingFailure({ ...failed, reason: 'frozen' }, report)).toBe(false);
        expect(await ledger.paymentEntryState(refused.paymentId)).toBe('refused');
      }));

    it('reads why a merchant’s accounts are frozen', () =>
      withPorts(async ({ ledger, freeze }) => {
        const { merchantId } = payment();
        expect(await ledger.frozenReason(merchantId)).toBeUndefined();
        await freeze(merchantId, 'fraud review');
        expect(await ledger.frozenReason(merchantId)).toBe('fraud review');
      }));

    it('balances the merchant’s payable per mode and currency: payments credit it, refunds debit it', () =>
      withPorts(async ({ ledger }) => {
        const { merchantId, paymentId, source } = payment();
        await ledger.post(source(), paymentEntry(paymentId, merchantId, 'test', usd('25.00')));
        await ledger.post(source(), refundEntry(paymentId, merchantId, 'test', usd('10.00'), 'returned'));
        await ledger.post(source(), paymentEntry(paymentId, merchantId, 'test', moneyFromStored('7', 'EUR')));
        await ledger.post(source(), paymentEntry(paymentId, merchantId, 'live', usd('3.00')));

        const balances = async (mode: 'test' | 'live') =>
          (await ledger.balances({ merchantId, mode })).map(
            (money) => `${formatAmount(money)} ${money.currency.code}`,
          );

        expect(await balances('test')).toEqual(['7.00 EUR', '15.00 USD']);
        expect(await balances('live')).toEqual(['3.00 USD']);
        expect(await ledger.balances({ merchantId: 'mer_nobody', mode: 'test' })).toEqual([]);
      }));
  });
}
