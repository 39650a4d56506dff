import { randomUUID } from 'node:crypto';
import { createEvent, eventIdsOf, paymentSnapshot } from '../domain/events';
import { parseMoney } from '../domain/money';
import type { PaymentStatus } from '../domain/payment';
import { IdempotencyKeyReusedError, PaymentNotFoundError } from './errors';
import { type Clock, systemClock } from './ports/clock';
import type { MerchantScope } from './ports/merchants';
import type { NewPayment, PaymentRecord, PaymentStore, StatusChangeRecord } from './ports/payments';

export interface CreatePaymentCommand extends MerchantScope {
  idempotencyKey: string;
  /** Fingerprint of the request body: a reused key with another body is refused. */
  requestHash: string;
  amount: string;
  currency: string;
  source: string;
  description?: string;
  customer?: string;
  metadata?: Record<string, string>;
}

/**
 * Records the intent to pay and answers at once: the payment starts INITIATED and the `payment.initiated`
 * event, written in the same transaction, lets the bank processor do the slow part in the background.
 */
export async function createPayment(
  store: PaymentStore,
  command: CreatePaymentCommand,
  clock: Clock = systemClock,
): Promise<{ payment: PaymentRecord; created: boolean }> {
  const money = parseMoney(command.amount, command.currency);
  const payment: NewPayment = {
    id: randomUUID(),
    merchantId: command.merchantId,
    mode: command.mode,
    idempotencyKey: command.idempotencyKey,
    requestHash: command.requestHash,
    amount: money,
    currency: money.currency.code,
    source: command.source,
    description: command.description ?? null,
    customer: command.customer ?? null,
    metadata: command.metadata ?? {},
  };
  // Known before the write, so the store writes it in the same statement; dropped if the key is not new.
  const initiated = createEvent(
    'payment.initiated',
    eventIdsOf(payment),
    paymentSnapshot({ ...payment, status: 'INITIATED' }),
    clock(),
  );
  const result = await store.create(payment, initiated);
  if (!result.created && result.payment.requestHash !== command.requestHash)
    throw new IdempotencyKeyReusedError();
  return result;
}

export async function getPayment(
  store: PaymentStore,
  scope: MerchantScope,
  paymentId: string,
): Promise<{ payment: PaymentRecord; history: StatusChangeRecord[] }> {
  const payment = await store.find(scope, paymentId);
  if (!payment) throw new PaymentNotFoundError();
  return { payment, history: await store.history(payment.id) };
}

export function listPayments(
  store: PaymentStore,
  scope: MerchantScope,
  query: { limit: number; startingAfter?: string; status?: PaymentStatus },
) {
  return store.list(scope, query);
}
