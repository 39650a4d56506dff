/** Merchant notifications: the delivery records and the sender. */

export interface WebhookEndpoint {
  readonly url: string;
  readonly secret: string;
}

/** One notice to a merchant: the body is fixed when the event is first handled and sent as is on every attempt. */
export interface WebhookNotice {
  readonly eventId: string;
  readonly merchantId: string;
  readonly paymentId: string;
  readonly eventType: string;
  readonly rawBody: string;
}

/** A pending delivery a retry sweep claimed. */
export interface ClaimedWebhookDelivery extends WebhookNotice {
  /** Where it was last sent. */
  readonly url: string;
  readonly attempts: number;
  /** When the notifier first handled the event: the give-up age counts from here. */
  readonly createdAt: Date;
}

/** What the holder of a delivery's claim records after its attempt(s); it releases the claim. */
export type WebhookDeliveryOutcome = {
  readonly url: string;
  /** Attempts made by this holder, added to the delivery's count. */
  readonly attempts: number;
  /** Of those, the ones that may have reached the merchant without an answer coming back (added too). */
  readonly unanswered: number;
  readonly responseStatus: number | null;
  readonly lastError: string | null;
  readonly attemptedAt: Date;
} & (
  | { readonly status: 'delivered' }
  | { readonly status: 'pending'; readonly nextAttemptAt: Date }
  | { readonly status: 'failed' }
);

/**
 * The delivery records, one per event, each the single owner of its notice: only the holder of a delivery's
 * claim sends it, and a claim lasts until `claimedUntil` (the holder's invocation can run no longer).
 */
export interface WebhookDeliveries {
  endpointOf(merchantId: string): Promise<WebhookEndpoint | undefined>;
  /**
   * Creates the event's delivery record, pending and claimed by the caller until `claimedUntil`. False when
   * the event already has one: someone else owns the notice.
   */
  open(notice: WebhookNotice, url: string, now: Date, claimedUntil: Date): Promise<boolean>;
  /**
   * Claims pending deliveries due at `now` whose claim is free or expired, the longest due first: at most
   * `limit`, and at most `perMerchant` of any one merchant.
   */
  claimDue(
    now: Date,
    claimedUntil: Date,
    limits: { limit: number; perMerchant: number },
  ): Promise<ClaimedWebhookDelivery[]>;
  /** Records the claimed delivery's outcome and releases the claim. */
  settle(eventId: string, outcome: WebhookDeliveryOutcome): Promise<void>;
}

/**
 * What one POST came to: the endpoint's answer, or an error and whether the request may have reached the
 * merchant all the same (a timeout or a connection dropped after sending: the merchant may hold the notice and
 * a retry sends it again; a refused connection or an unknown host: it cannot).
 */
export type WebhookAttempt =
  | { readonly status: number }
  | { readonly error: string; readonly mayHaveArrived: boolean };

export interface WebhookSender {
  /** POSTs the body once; never rejects. */
  send(url: string, rawBody: string, headers: Record<string, string>): Promise<WebhookAttempt>;
}
