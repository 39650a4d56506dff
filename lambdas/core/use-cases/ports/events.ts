import type { MerchantEventBody } from '../../domain/events';
import type { MerchantScope } from './merchants';

/** The events a merchant can read back, with how their webhooks went. */

/** Where an event's webhook stands: its delivery record, as the notifier and the retry sweep keep it. */
export interface EventDelivery {
  /** `pending` until delivered or given up; an event the notifier has not handled yet is pending, 0 attempts. */
  readonly status: 'pending' | 'delivered' | 'failed';
  readonly attempts: number;
  /** The endpoint's last HTTP status, if it answered. */
  readonly responseStatus: number | null;
  readonly lastError: string | null;
  readonly lastAttemptAt: Date | null;
  /** When the retry sweep tries again (pending only). */
  readonly nextAttemptAt: Date | null;
}

export interface EventRecord {
  /** The event as its webhook carries it. */
  readonly body: MerchantEventBody;
  /** Null when the merchant has no webhook endpoint and the event was never sent. */
  readonly delivery: EventDelivery | null;
}

export interface EventHistory {
  /** One of the scope's events whose type is in `types`; undefined for any other. */
  find(
    scope: MerchantScope,
    query: { eventId: string; types: readonly string[] },
  ): Promise<EventRecord | undefined>;
  /**
   * The scope's events whose type is in `types` (of one payment when `paymentId` is given), newest first, after
   * the event `startingAfter` when given; none for a payment outside the scope or an unknown cursor.
   */
  list(
    scope: MerchantScope,
    query: { paymentId?: string; types: readonly string[]; limit: number; startingAfter?: string },
  ): Promise<{ events: EventRecord[]; hasMore: boolean }>;
  /**
   * Makes one of the scope's events (`body`, as its webhook carries it) due for delivery at `now` to the
   * merchant's endpoint, with a fresh retry window; `no_endpoint` when the merchant has none.
   */
  resend(
    scope: MerchantScope,
    event: { body: MerchantEventBody; now: Date },
  ): Promise<'scheduled' | 'no_endpoint'>;
}
