import type { EventEnvelope } from '../../lambdas/core/domain/events';
import type { JournalEntryPlan } from '../../lambdas/core/domain/ledger';
import { addMoney, type Money, MoneyDecimal, subtractMoney } from '../../lambdas/core/domain/money';
import type { Ledger } from '../../lambdas/core/use-cases/ports/ledger';

/**
 * The ledger in memory, with PostgreSQL's rules: one entry per source event (a repeated event is a
 * duplicate), one reported posting failure per failed event, a payment's own entry `posted`, `refused` (its
 * posting failure was reported) or `missing`; the merchant's payable balance per mode and currency. `frozen`
 * holds the merchants whose accounts are frozen, and why.
 */
export function inMemoryLedger(options: { frozen?: Record<string, string> } = {}) {
  const entries: (JournalEntryPlan & { eventId: string; paymentId: string })[] = [];
  const postingFailures: { eventId: string; paymentId: string; reason: string }[] = [];
  const events: EventEnvelope[] = [];
  const frozen = new Map(Object.entries(options.frozen ?? {}));
  const ledger: Ledger = {
    async post(source, entry) {
      if (entries.some((posted) => posted.eventId === source.eventId)) return 'duplicate';
      entries.push({ ...entry, eventId: source.eventId, paymentId: source.paymentId });
      return 'posted';
    },
    async paymentEntryState(paymentId) {
      if (entries.some((posted) => posted.paymentId === paymentId && posted.kind === 'payment'))
        return 'posted';
      return postingFailures.some((failure) => failure.paymentId === paymentId) ? 'refused' : 'missing';
    },
    async reportPostingFailure(failed, event) {
      if (postingFailures.some((failure) => failure.eventId === failed.eventId)) return false;
      postingFailures.push(failed);
      events.push(event);
      return true;
    },
    frozenReason: async (merchantId) => frozen.get(merchantId),
    async balances({ merchantId, mode }) {
      const balances = new Map<string, Money>();
      for (const { account, direction, amount } of entries.flatMap((entry) => entry.postings)) {
        if (account.kind !== 'merchant_payable' || account.merchantId !== merchantId || account.mode !== mode)
          continue;
        const balance = balances.get(account.currency) ?? {
          amount: new MoneyDecimal(0),
          currency: amount.currency,
        };
        balances.set(account.currency, (direction === 'credit' ? addMoney : subtractMoney)(balance, amount));
      }
      // In currency order, as the database's.
      return [...balances].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, balance]) => balance);
    },
  };
  return { ledger, entries, postingFailures, events, frozen };
}
