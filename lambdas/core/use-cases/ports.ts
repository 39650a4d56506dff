import type { EventEnvelope } from '../domain/events';
import type { JournalEntryPlan } from '../domain/ledger';
import type { Mode } from '../domain/mode';
import type { PaymentStatus } from '../domain/payment';
import type { RequestRate } from '../domain/rate-limit';

/** The interfaces through which use cases reach storage; adapters implement them, functions wire them. */

/** Whose objects a request may see: the merchant's, in its key's mode. */
export interface MerchantScope {
  readonly merchantId: string;
  readonly mode: Mode;
}

export interface PaymentRecord {
  readonly id: string;
  readonly merchantId: string;
  /** The mode of the key that created it, for good. */
  readonly mode: Mode;
  readonly status: PaymentStatus;
  /** NUMERIC as PostgreSQL renders it (e.g. "10.5000"); never a JS number. */
  readonly amount: string;
  readonly currency: string;
  readonly refundedAmount: string;
  readonly source: string;
  readonly description: string | null;
  readonly customer: string | null;
  readonly metadata: Record<string, string>;
  readonly failureReason: string | null;
  readonly requestHash: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface StatusChangeRecord {
  readonly from: PaymentStatus | null;
  readonly to: PaymentStatus;
  readonly reason: string | null;
  readonly occurredAt: Date;
}

export interface RefundRecord {
  readonly id: string;
  readonly paymentId: string;
  readonly amount: string;
  readonly currency: string;
  readonly reason: string | null;
  readonly requestHash: string;
  readonly createdAt: Date;
}

export interface NewPayment {
  readonly id: string;
  readonly merchantId: string;
  readonly mode: Mode;
  readonly idempotencyKey: string;
  readonly requestHash: string;
  readonly amount: string;
  readonly currency: string;
  readonly source: string;
  readonly description: string | null;
  readonly customer: string | null;
  readonly metadata: Record<string, string>;
}

export interface NewRefund {
  readonly id: string;
  /** A merchant's refund, or the saga's compensation of a payment the ledger could not post. */
  readonly kind: 'merchant' | 'compensation';
  readonly idempotencyKey: string;
  readonly requestHash: string;
  readonly amount: string;
  readonly reason: string | null;
}

/** What a refund does to its payment, decided by the domain while the payment row is locked. */
export interface RefundDecision {
  readonly refund: NewRefund;
  readonly refundedAfter: string;
  readonly statusAfter: PaymentStatus;
  readonly event: EventEnvelope;
}

export interface PaymentStore {
  /**
   * Writes the payment, its first history row and its `payment.initiated` outbox row in one transaction.
   * When the merchant already used the idempotency key in this mode, writes nothing and returns the existing
   * payment.
   */
  create(
    payment: NewPayment,
    initiated: (created: PaymentRecord) => EventEnvelope,
  ): Promise<{ payment: PaymentRecord; created: boolean }>;
  /** Undefined for another merchant's payment and for a payment of the other mode alike. */
  find(scope: MerchantScope, paymentId: string): Promise<PaymentRecord | undefined>;
  history(paymentId: string): Promise<StatusChangeRecord[]>;
  list(
    scope: MerchantScope,
    query: { limit: number; startingAfter?: string; status?: PaymentStatus },
  ): Promise<{ payments: PaymentRecord[]; hasMore: boolean }>;
  /**
   * Locks the payment, lets `decide` plan the refund against its current state, then writes the refund,
   * the payment's new totals and status, a history row when the status changes and the outbox row, in
   * one transaction. A key already used returns the existing refund and writes nothing.
   */
  refund(
    scope: MerchantScope,
    paymentId: string,
    idempotencyKey: string,
    decide: (payment: PaymentRecord) => RefundDecision,
  ): Promise<{ refund: RefundRecord; payment: PaymentRecord; created: boolean } | undefined>;
}

export interface MerchantDirectory {
  /** The merchant owning the API key with this SHA-256 hash, if any, and the mode the key is stored for. */
  findByApiKeyHash(apiKeyHash: string): Promise<{ id: string; mode: Mode } | undefined>;
}

/** A shared request budget per key (a merchant): every Lambda instance draws on the same one. */
export interface RequestRateLimiter {
  take(
    key: string,
    rate: RequestRate,
    nowMs: number,
  ): Promise<{ admitted: true } | { admitted: false; retryAfterSeconds: number }>;
}

export interface MerchantRegistry {
  create(merchant: {
    id: string;
    name: string;
    apiKeys: Record<Mode, { hash: string; prefix: string }>;
    /** The webhook endpoint, its signing secret sealed (never stored in plain text). */
    webhook?: { url: string; sealedSecret: string };
  }): Promise<void>;
  /** Merchants whose webhook secret is still stored in plain text (from before secrets were sealed). */
  plainWebhookSecrets(limit: number): Promise<{ merchantId: string; secret: string }[]>;
  /** Stores the sealed secret and clears the plain one, unless the plain one changed meanwhile. */
  replacePlainWebhookSecret(merchantId: string, plain: string, sealed: string): Promise<boolean>;
}

/**
 * Seals a merchant's secret for storage (envelope encryption bound to the merchant id); its opener is a port of
 * its own, so a function that only stores secrets cannot read them back, and the reverse.
 */
export interface SecretSealer {
  seal(plaintext: string, merchantId: string): Promise<string>;
}

export interface SecretOpener {
  /** Throws when the sealed value was not sealed for this merchant or has been tampered with. */
  open(sealed: string, merchantId: string): Promise<string>;
}

export interface ChargeRequest {
  /** Sent as the bank's idempotency key: a retried charge can never charge twice. */
  readonly paymentId: string;
  readonly amount: string;
  readonly currency: string;
  readonly source: string;
}

export type ChargeOutcome =
  | { readonly kind: 'approved'; readonly chargeId: string }
  | { readonly kind: 'declined'; readonly reason: string }
  /**
   * No decision: the bank could not be reached, kept failing, is still running another call for this key,
   * or answered something only an operator can fix. Try again later.
   */
  | { readonly kind: 'unavailable'; readonly reason: string }
  /** Not sent: the circuit breaker is open. The bank was not asked, so this attempt does not count. */
  | { readonly kind: 'circuit_open' };

/** What the bank knows about a charge, looked up by its idempotency key (the payment id). */
export type ChargeLookup =
  | { readonly kind: 'approved'; readonly chargeId: string }
  | { readonly kind: 'declined'; readonly reason: string }
  /** The bank never charged with this key. */
  | { readonly kind: 'not_found' }
  | { readonly kind: 'unavailable'; readonly reason: string };

export interface BankRefundRequest {
  readonly chargeId: string;
  /** Sent as the bank's idempotency key for the refund. */
  readonly refundId: string;
  readonly amount: string;
  readonly currency: string;
}

export type BankRefundOutcome =
  | { readonly kind: 'refunded'; readonly bankRefundId: string }
  | { readonly kind: 'rejected'; readonly reason: string }
  | { readonly kind: 'unavailable'; readonly reason: string }
  | { readonly kind: 'circuit_open' };

export interface Bank {
  charge(request: ChargeRequest): Promise<ChargeOutcome>;
  refund(request: BankRefundRequest): Promise<BankRefundOutcome>;
  /** Reconciliation: the outcome of the charge sent with this idempotency key, if the bank has one. */
  lookupCharge(idempotencyKey: string): Promise<ChargeLookup>;
}

/** The bank per mode: the live bank for live payments, its sandbox for test payments. */
export type Banks = Readonly<Record<Mode, Bank>>;

export interface PublishableEvent {
  readonly eventId: string;
  readonly type: string;
  /** Partition key: the payment id. */
  readonly key: string;
  readonly value: string;
}

export interface EventPublisher {
  /** Resolves once the broker has acknowledged every event, in order. */
  publish(events: readonly PublishableEvent[]): Promise<void>;
}

export interface ClaimedOutboxBatch {
  /** Unpublished events of the claimed payments, each payment's in version order. */
  readonly events: readonly (PublishableEvent & { readonly outboxId: string })[];
  /** Marks the events published and releases the claim (one commit). */
  markPublished(): Promise<void>;
  /** Releases the claim without marking anything (the events are relayed again later). */
  release(): Promise<void>;
}

export interface Outbox {
  /**
   * Claims the payments with the oldest unpublished events, at most `maxPayments`, so that no other relay
   * publishes events of those payments until this claim ends.
   */
  claim(maxPayments: number): Promise<ClaimedOutboxBatch>;
  /** Seconds since the oldest unpublished event was written (0 when none waits). */
  lagSeconds(): Promise<number>;
  /** Deletes published events older than the retention; returns how many. */
  prunePublished(olderThan: Date, limit: number): Promise<number>;
}

/** The payment lifecycle as the background processors drive it (no merchant scoping: internal callers). */
export interface PaymentLifecycle {
  find(paymentId: string): Promise<PaymentRecord | undefined>;
  /**
   * Moves the payment from `from` to `to` only if it is still in `from` (a conditional update), appending the
   * history row and the outbox event in the same transaction. Returns undefined when it was not in `from`.
   */
  transition(
    paymentId: string,
    from: PaymentStatus,
    to: PaymentStatus,
    change: { reason?: string; bankChargeId?: string; event: (updated: PaymentRecord) => EventEnvelope },
  ): Promise<PaymentRecord | undefined>;
  /**
   * Claims a PENDING payment for one bank call, unless another caller holds an unexpired claim (older than
   * `leaseMs`): only the holder may call the bank for it. Undefined when the payment is not PENDING or claimed.
   * A transition or `deferBankAttempt` releases the claim.
   */
  claimBankAttempt(paymentId: string, now: Date, leaseMs: number): Promise<BankAttemptClaim | undefined>;
  /**
   * Leaves the payment PENDING until `at` and releases the claim; `counted`: the bank was asked (without a
   * decision), which counts towards the attempt limit.
   */
  deferBankAttempt(paymentId: string, at: Date, counted: boolean): Promise<void>;
  /** Gives a claim back without an outcome (the work after the claim failed), so a retry may claim at once. */
  releaseBankAttempt(paymentId: string): Promise<void>;
  /** PENDING payments whose next bank attempt is due, or that have waited `staleAfterMs` without one. */
  duePending(now: Date, staleAfterMs: number, limit: number): Promise<PaymentRecord[]>;
}

export interface BankAttemptClaim {
  readonly payment: PaymentRecord;
  /** Bank attempts made so far without a decision. */
  readonly bankAttempts: number;
}

/** Where records that still fail after every attempt are sidelined, with everything needed to redrive them. */
export interface DeadLetterQueue {
  /** Resolves with the letter's id in the queue once it is stored. */
  send(letter: DeadLetter): Promise<string>;
}

/** A payment a consumer parked: it dead-lettered one of its events, so its later events wait behind it. */
export interface Parking {
  /** The payment's first dead letter in this consumer: the one to redrive first. */
  readonly letterId: string;
  readonly partition: number;
  /** The payment's last offset this consumer dead-lettered (a redelivered batch skips up to it). */
  readonly lastOffset: number;
}

/** Parked payments per consumer; `aspay dlq redrive` clears a payment's parking as it redrives its letters. */
export interface ParkedPayments {
  find(consumer: string, paymentIds: readonly string[]): Promise<Map<string, Parking>>;
  /** Records the parking, keeping the first letter id of a payment already parked. */
  park(consumer: string, paymentId: string, parking: Parking): Promise<void>;
}

export interface DeadLetter {
  readonly consumer: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  /** The original value: UTF-8 text when it is valid UTF-8, else base64. */
  readonly payload: string;
  readonly payloadEncoding: 'utf8' | 'base64';
  readonly headers: Readonly<Record<string, string>>;
  readonly attempts: number;
  readonly lastError: string;
  readonly failedAt: string;
}

/** One Kafka record as the consumers see it, decoded from the MSK event source mapping's event. */
export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}

/** A recorded refund claimed for one bank call, with what the bank needs. */
export interface RefundClaim {
  /** Its payment's mode: which bank executes it. */
  readonly mode: Mode;
  readonly chargeId: string;
  readonly amount: string;
  readonly currency: string;
  /** Bank attempts made so far without a decision. */
  readonly bankAttempts: number;
}

/** What a failed refund does to its payment, decided by the domain while the payment row is locked. */
export interface RefundFailureDecision {
  readonly refundedAfter: string;
  readonly statusAfter: PaymentStatus;
  readonly event: EventEnvelope;
}

/** Refunds waiting to be executed at the bank, and the record of their outcome. */
export interface RefundExecutions {
  /**
   * Claims a PENDING refund for one bank call (see `PaymentLifecycle.claimBankAttempt`). Undefined when it
   * is executed, failed, or claimed by another caller.
   */
  claim(refundId: string, now: Date, leaseMs: number): Promise<RefundClaim | undefined>;
  /** Gives a claim back without an outcome (see `PaymentLifecycle.releaseBankAttempt`). */
  release(refundId: string): Promise<void>;
  /** Records the bank's refund and its `payment.refund_executed` event (one transaction). */
  markExecuted(
    refundId: string,
    bankRefundId: string,
    event: (refund: { paymentId: string; merchantId: string; mode: Mode }) => EventEnvelope,
  ): Promise<void>;
  /**
   * Locks the payment, marks the refund FAILED with `reason`, and writes what `decide` plans: the payment's
   * refunded amount and status, a history row when the status changes and the event (one transaction).
   */
  markFailed(
    refundId: string,
    reason: string,
    decide: (payment: PaymentRecord, refund: { amount: string }) => RefundFailureDecision,
  ): Promise<void>;
  /** As `PaymentLifecycle.deferBankAttempt`, for a refund. */
  defer(refundId: string, at: Date, counted: boolean): Promise<void>;
  /**
   * PENDING refunds due for an attempt (recorded `staleAfterMs` ago without one, or past their next attempt
   * time), the longest-due first: refunds that keep failing wait longer and never block the others.
   */
  overdue(now: Date, staleAfterMs: number, limit: number): Promise<string[]>;
}

export interface LedgerStore {
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
  balances(scope: MerchantScope): Promise<{ currency: string; balance: string }[]>;
}

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
