import type { EventEnvelope } from '../../domain/events';
import type { JournalEntryPlan } from '../../domain/ledger';
import type { Money } from '../../domain/money';
import type { MerchantScope } from './merchants';

export interface Ledger {
  /** Posts one journal entry for `eventId` in one transaction, unless the event was already posted. */
  post(
    source: { eventId: string; paymentId: string; merchantId: string },
    entry: JournalEntryPlan,
  ): Promise<'posted' | 'duplicate'>;
  /** Whether the payment's own entry was posted, refused (a reported posting failure) or not seen yet. */
  paymentEntryState(paymentId: string): Promise<'posted' | 'refused' | 'missing'>;
  /** Records a refused posting and its `ledger.posting_failed` event (outbox) once per failed event. */
  reportPostingFailure(
    failed: { eventId: string; paymentId: string; reason: string },
    event: EventEnvelope,
  ): Promise<boolean>;
  /** Why the merchant's ledger accounts are frozen, if they are. */
  frozenReason(merchantId: string): Promise<string | undefined>;
  /** The merchant's payable balance in one mode, per currency (credits minus debits). */
  balances(scope: MerchantScope): Promise<Money[]>;
}
