import type { EventEnvelope } from '../../lambdas/core/domain/events';
import type { JournalEntryPlan } from '../../lambdas/core/domain/ledger';
import type { Ledger } from '../../lambdas/core/use-cases/ports/ledger';

/**
 * The ledger in memory, with PostgreSQL's rules: one entry per source event (a repeated event is a
 * duplicate), one reported posting failure per failed event, a payment's own entry `posted`, `refused` (its
 * posting failure was reported) or `missing`.
 */
export function inMemoryLedger(options: { frozen?: Record<string, string> } = {}) {
  const entries: (JournalEntryPlan & { eventId: string; paymentId: string })[] = [];
  const postingFailures: { eventId: string; paymentId: string; reason: string }[] = [];
  const events: EventEnvelope[] = [];
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
    frozenReason: async (merchantId) => options.frozen?.[merchantId],
    balances: async () => [],
  };
  return { ledger, entries, postingFailures, events };
}
