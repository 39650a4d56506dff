import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { UnsupportedEventError } from './errors';
import { isLivemode, type Mode, modeOfLivemode } from './mode';
import { formatAmount, isMoney, type Money } from './money';
import { PAYMENT_STATUSES, type PaymentStatus } from './payment';

/**
 * The event contract shared by the outbox (producer), the consumers and the docs. Readers are tolerant:
 * unknown fields are ignored, any minor version of the same major is accepted, and an unknown event type is
 * reported (to be skipped and logged), not treated as a failure.
 */

/**
 * 1.1 added `livemode` to the envelope. 1.2 no longer has `payment.pending`: no consumer read it, and it cost an
 * outbox row, a publish and a Kafka record per payment; one still in the topic is skipped as an unknown type.
 * 1.3 adds `payment.refund_reversed`; a 1.2 reader skips it as an unknown type.
 * 1.4: a refund moves its payment when the bank executes it, no longer when it is asked for. So
 * `payment.refunded` (the refund asked for) leaves `refundedTotal` and `statusAfter` as they were and says the
 * new `pendingTotal`, and the refund events carry the payment's totals and status after them (`pendingTotal`,
 * and on `payment.refund_executed` `refundedTotal` and `statusAfter`): fields added, optional for the 1.3 events
 * still in the topic.
 */
export const EVENT_SCHEMA_VERSION = '1.4';
const MAJOR_VERSION = EVENT_SCHEMA_VERSION.split('.')[0];

const decimalString = z.string().regex(/^\d+(\.\d+)?$/);
/**
 * An amount of the event's data: a decimal string on the wire; `Money` when an event is created, formatted here
 * (the currency's number of decimals) and nowhere else.
 */
const amount = z.union([decimalString, z.custom<Money>(isMoney).transform(formatAmount)]);
const status = z.enum(PAYMENT_STATUSES);

/** What every payment event says about the payment, so consumers never read the payments database. */
const PaymentSnapshot = z.object({
  amount,
  currency: z.string().length(3),
  status,
  source: z.string(),
  customer: z.string().optional(),
  description: z.string().optional(),
  metadata: z.record(z.string(), z.string()).optional(),
  /** Why a payment failed or a step went the way it did. */
  reason: z.string().optional(),
  bankChargeId: z.string().optional(),
});

/** The fields of a payment every event about it carries (`PaymentSnapshot`), from the payment as stored. */
export function paymentSnapshot(payment: {
  readonly amount: Money;
  readonly currency: string;
  readonly status: PaymentStatus;
  readonly source: string;
  readonly customer: string | null;
  readonly description: string | null;
  readonly metadata: Record<string, string>;
}) {
  return {
    amount: payment.amount,
    currency: payment.currency,
    status: payment.status,
    source: payment.source,
    ...(payment.customer ? { customer: payment.customer } : {}),
    ...(payment.description ? { description: payment.description } : {}),
    metadata: payment.metadata,
  };
}

/** What the bank's refunds of the payment still to execute add up to after the event (1.4). */
const pendingTotal = amount.optional();

/**
 * A refund was asked for and recorded: it is pending until the bank executes it (`payment.refund_executed`) or
 * not (`payment.refund_failed`). Before 1.4 the payment moved here already; its totals are now the bank's.
 */
const PaymentRefunded = z.object({
  refundId: z.uuid(),
  amount,
  currency: z.string().length(3),
  refundedTotal: amount,
  pendingTotal,
  statusAfter: status,
  reason: z.string().optional(),
});

/**
 * The bank moved a recorded refund's money: the payment's refunded total grows by it (REFUNDED once it covers
 * the amount) and the ledger reverses the payment's entry by it.
 */
const PaymentRefundExecuted = z.object({
  refundId: z.uuid(),
  amount,
  currency: z.string().length(3),
  bankRefundId: z.string(),
  refundedTotal: amount.optional(),
  pendingTotal,
  statusAfter: status.optional(),
});

/** The bank did not execute a recorded refund: its amount is available again, nothing else moves. */
const PaymentRefundFailed = z.object({
  refundId: z.uuid(),
  amount,
  currency: z.string().length(3),
  refundedTotal: amount,
  pendingTotal,
  statusAfter: status,
  reason: z.string(),
});

/**
 * The processor failed a refund after it had accepted it (`payment.refund_executed` was written): the money
 * comes back to the merchant. Its amount is given back to the payment, as for a refund that failed at once,
 * and the ledger reverses its reversal.
 */
const PaymentRefundReversed = z.object({
  refundId: z.uuid(),
  amount,
  currency: z.string().length(3),
  bankRefundId: z.string(),
  refundedTotal: amount,
  pendingTotal,
  statusAfter: status,
  reason: z.string(),
});

const LedgerPostingFailed = z.object({
  /** The event the ledger could not post. */
  failedEventId: z.uuid(),
  reason: z.string(),
});

export const EVENT_DATA_SCHEMAS = {
  'payment.initiated': PaymentSnapshot,
  'payment.succeeded': PaymentSnapshot,
  'payment.failed': PaymentSnapshot,
  'payment.refunded': PaymentRefunded,
  'payment.refund_executed': PaymentRefundExecuted,
  'payment.refund_failed': PaymentRefundFailed,
  'payment.refund_reversed': PaymentRefundReversed,
  'ledger.posting_failed': LedgerPostingFailed,
} as const;

export type EventType = keyof typeof EVENT_DATA_SCHEMAS;
export type EventData<T extends EventType> = z.infer<(typeof EVENT_DATA_SCHEMAS)[T]>;
/** The data an event is created from: amounts as `Money`. */
export type EventDataInput<T extends EventType> = z.input<(typeof EVENT_DATA_SCHEMAS)[T]>;

const Envelope = z.object({
  eventId: z.uuid(),
  type: z.string().min(1),
  version: z.string().regex(/^\d+\.\d+$/),
  occurredAt: z.iso.datetime(),
  paymentId: z.uuid(),
  merchantId: z.string().min(1),
  /** Missing in events written before modes existed (1.0): read as test, see `modeOfLivemode`. */
  livemode: z.boolean().optional(),
  data: z.unknown(),
});

interface EventOf<T extends EventType> {
  eventId: string;
  type: T;
  version: string;
  occurredAt: string;
  paymentId: string;
  merchantId: string;
  /** The payment's mode: true for live (Stripe's name; webhooks carry it as is). */
  livemode: boolean;
  data: EventData<T>;
}

/**
 * An event of type T; without T, the union of every type's event, discriminated by `type`: checking the type
 * narrows the data, and a misspelt type does not compile.
 */
export type EventEnvelope<T extends EventType = EventType> = { [K in T]: EventOf<K> }[T];

/** The mode of the payment an event is about. */
export function modeOf(event: Pick<EventEnvelope, 'livemode'>): Mode {
  return modeOfLivemode(event.livemode);
}

/** The ids every event of a payment carries: the payment's, its merchant's, and its mode. */
export interface EventIds {
  readonly paymentId: string;
  readonly merchantId: string;
  readonly mode: Mode;
}

/** A payment's event ids. */
export function eventIdsOf(payment: { id: string; merchantId: string; mode: Mode }): EventIds {
  return { paymentId: payment.id, merchantId: payment.merchantId, mode: payment.mode };
}

export function createEvent<T extends EventType>(
  type: T,
  ids: EventIds,
  data: EventDataInput<T>,
  now: Date,
): EventEnvelope<T> {
  return {
    eventId: randomUUID(),
    type,
    version: EVENT_SCHEMA_VERSION,
    occurredAt: now.toISOString(),
    paymentId: ids.paymentId,
    merchantId: ids.merchantId,
    livemode: isLivemode(ids.mode),
    data: EVENT_DATA_SCHEMAS[type].parse(data) as EventData<T>,
  };
}

/**
 * The events a merchant sees (its webhooks, `GET /v1/events`): receipts on success, alerts on failure, notices
 * on refunds: when one is asked for (`payment.refunded`), when the bank executed it (`payment.refund_executed`),
 * and when it failed, before (`payment.refund_failed`) or after (`payment.refund_reversed`) the bank accepted it.
 * The merchant was told of the refund when it was asked for, so its outcome is never silent. The others (the
 * payment's initiation, the ledger's) stay internal.
 */
export const MERCHANT_EVENT_TYPES = [
  'payment.succeeded',
  'payment.failed',
  'payment.refunded',
  'payment.refund_executed',
  'payment.refund_failed',
  'payment.refund_reversed',
] as const satisfies readonly EventType[];

/**
 * An event as the merchant sees it: the body of its webhook, and an item of `GET /v1/events`. Stripe's event
 * shape with this API's names; the payment id leads the event's data.
 */
export interface MerchantEventBody {
  readonly id: string;
  readonly type: string;
  readonly createdAt: string;
  readonly livemode: boolean;
  readonly data: { readonly paymentId: string } & Record<string, unknown>;
}

export function merchantEventBody(event: EventEnvelope): MerchantEventBody {
  return {
    id: event.eventId,
    type: event.type,
    createdAt: event.occurredAt,
    livemode: event.livemode,
    data: { paymentId: event.paymentId, ...event.data },
  };
}

export type ReadEvent = { kind: 'event'; event: EventEnvelope } | { kind: 'unknown_type'; type: string };

/** Reads an event off the wire: throws UnsupportedEventError for what cannot be an event of this major version. */
export function readEvent(raw: unknown): ReadEvent {
  const envelope = Envelope.safeParse(raw);
  if (!envelope.success) {
    throw new UnsupportedEventError(
      `malformed event envelope: ${envelope.error.issues[0]?.message ?? 'invalid'}`,
    );
  }
  const { version, type } = envelope.data;
  if (version.split('.')[0] !== MAJOR_VERSION) {
    throw new UnsupportedEventError(
      `event version ${version} is not readable by a ${EVENT_SCHEMA_VERSION} reader`,
    );
  }
  if (!(type in EVENT_DATA_SCHEMAS)) return { kind: 'unknown_type', type };
  const data = EVENT_DATA_SCHEMAS[type as EventType].safeParse(envelope.data.data);
  if (!data.success) {
    throw new UnsupportedEventError(`malformed ${type} data: ${data.error.issues[0]?.message ?? 'invalid'}`);
  }
  // The data was just parsed by its type's schema: the pair is one member of the union.
  const event = {
    ...envelope.data,
    livemode: envelope.data.livemode ?? false,
    type,
    data: data.data,
  } as EventEnvelope;
  return { kind: 'event', event };
}
