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
  /**
   * When its delivery window began, the give-up age counting from there: when the notifier first handled the
   * event, or when the merchant last asked for it again (`POST /v1/events/{id}/resend`).
   */
  readonly createdAt: Date;
}

/** A claim on a delivery: who holds it (a token of its own per holder) and until when. */
export interface DeliveryClaim {
  readonly holder: string;
  readonly until: Date;
}

/** What opening an event's delivery came to. */
export type OpenedDelivery =
  /** The caller holds it: a new record, or one whose holder died (its claim passed) taken over. */
  | { readonly kind: 'claimed'; readonly attempts: number; readonly createdAt: Date }
  /** Due, but another holder's claim runs until `until`. */
  | { readonly kind: 'held'; readonly until: Date }
  /** Delivered, given up, or waiting for its next scheduled retry: nothing for the caller to send. */
  | { readonly kind: 'handled' };

/**
 * What the holder of a delivery's claim records after its attempt(s); it releases the claim. Each attempt was
 * already counted, as one that may have arrived, before it was sent (`recordAttempt`).
 */
export type WebhookDeliveryOutcome = {
  readonly url: string;
  /** Attempts made by this holder (each already recorded). */
  readonly attempts: number;
  /**
   * Of those, the ones that may have reached the merchant without an answer coming back; the others (an
   * answer came, or the request never left) stop counting as such.
   */
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
 * claim sends it. A claim is short (one POST and the recording of its answer) and renewed before each attempt,
 * so a holder that died is taken over within seconds; a holder whose claim was taken over can neither send
 * nor record any more.
 */
export interface WebhookDeliveries {
  endpointOf(merchantId: string): Promise<WebhookEndpoint | undefined>;
  /**
   * Creates the event's delivery record, pending and claimed by the caller, or takes over an existing one
   * that is due and whose claim has passed (a redelivered event whose holder died).
   */
  open(notice: WebhookNotice, url: string, now: Date, claim: DeliveryClaim): Promise<OpenedDelivery>;
  /**
   * Claims pending deliveries due at `now` whose claim is free or passed, the longest due first: at most
   * `limit`, and at most `perMerchant` of any one merchant.
   */
  claimDue(
    now: Date,
    claim: DeliveryClaim,
    limits: { limit: number; perMerchant: number },
  ): Promise<ClaimedWebhookDelivery[]>;
  /**
   * Records an attempt before it is sent, as one that may have arrived, and renews the claim until
   * `claimedUntil`; only the holder of a pending delivery may. False when it no longer holds it: it must not
   * send.
   */
  recordAttempt(eventId: string, holder: string, now: Date, claimedUntil: Date): Promise<boolean>;
  /**
   * Records the holder's outcome and releases the claim. False when it no longer holds the delivery (another
   * holder took it over): the record is left as that holder keeps it.
   */
  settle(eventId: string, holder: string, outcome: WebhookDeliveryOutcome): Promise<boolean>;
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
