import type { EventEnvelope } from '../../lambdas/core/domain/events';
import { addMoney, compareMoney, type Money, MoneyDecimal } from '../../lambdas/core/domain/money';
import { canTransition, type PaymentStatus } from '../../lambdas/core/domain/payment';
import type { BankClaim, BankClaimLease } from '../../lambdas/core/use-cases/ports/bank-claims';
import type { MerchantScope } from '../../lambdas/core/use-cases/ports/merchants';
import type { PaymentLifecycle } from '../../lambdas/core/use-cases/ports/payment-lifecycle';
import type {
  PaymentRecord,
  PaymentStore,
  StatusChangeRecord,
} from '../../lambdas/core/use-cases/ports/payments';
import type { RefundExecutions } from '../../lambdas/core/use-cases/ports/refund-executions';
import type { NewRefund, RefundRecord, RefundStore } from '../../lambdas/core/use-cases/ports/refunds';

/** A row waiting on the bank: its attempts so far, its claim (holder and lease end) and its next attempt. */
interface BankAttempts {
  bankAttempts: number;
  claim: { holder: string; expiresAt: Date } | null;
  nextAttemptAt: Date | null;
}

interface StoredPayment extends BankAttempts {
  record: PaymentRecord;
  idempotencyKey: string;
  history: StatusChangeRecord[];
  bankChargeId: string | null;
}

interface StoredRefund extends RefundRecord, BankAttempts {
  merchantId: string;
  mode: string;
  idempotencyKey: string;
  kind: NewRefund['kind'];
  // Mutable here: the executions change them in place.
  status: RefundRecord['status'];
  failureReason: string | null;
  updatedAt: Date;
  bankRefundId: string | null;
}

/**
 * What the database's payments guard (trigger and checks, migrations/0001, 0005 and 0019) refuses of a
 * payment's change, with its messages: an illegal transition, refunds beyond the amount or before success,
 * REFUNDED without the full amount refunded, and refund totals other than the sums of its executed and
 * pending refunds.
 */
function guardPaymentChange(
  before: PaymentRecord,
  after: PaymentRecord,
  totals: { executed: Money; pending: Money },
): void {
  const changed =
    compareMoney(after.refundedAmount, before.refundedAmount) !== 0 ||
    compareMoney(after.pendingRefundAmount, before.pendingRefundAmount) !== 0;
  if (
    changed &&
    (compareMoney(after.refundedAmount, totals.executed) !== 0 ||
      compareMoney(after.pendingRefundAmount, totals.pending) !== 0)
  )
    throw new Error(`refunds of payment ${before.id} must total its executed and pending refunds`);
  const shrinks = compareMoney(after.refundedAmount, before.refundedAmount) < 0;
  const correction = before.status === 'REFUNDED' && after.status === 'SUCCESS' && shrinks;
  if (after.status !== before.status && !canTransition(before.status, after.status) && !correction)
    throw new Error(`illegal payment transition ${before.status} -> ${after.status}`);
  const refunded = after.refundedAmount.amount;
  const pending = after.pendingRefundAmount.amount;
  if (
    refunded.isNegative() ||
    pending.isNegative() ||
    compareMoney(addMoney(after.refundedAmount, after.pendingRefundAmount), after.amount) > 0
  )
    throw new Error('new row for relation "payments" violates check constraint "payments_refund_bounds"');
  if (!(refunded.isZero() && pending.isZero()) && after.status !== 'SUCCESS' && after.status !== 'REFUNDED')
    throw new Error(
      'new row for relation "payments" violates check constraint "payments_refund_only_after_success"',
    );
  if ((after.status === 'REFUNDED') !== (compareMoney(after.refundedAmount, after.amount) === 0))
    throw new Error(
      'new row for relation "payments" violates check constraint "payments_refunded_means_fully_refunded"',
    );
}

/**
 * The payments in memory, with the PostgreSQL adapters' rules (test/contracts holds the behaviours both
 * share): one payment per merchant, mode and idempotency key; one refund per merchant, mode and key; the
 * database's payments guard; a conditional status change; bank-attempt claims with a lease, for payments and
 * refunds. `outbox` holds every event written with a change, in order.
 */
export function inMemoryPayments(clock: () => Date) {
  const payments = new Map<string, StoredPayment>();
  const refunds: StoredRefund[] = [];
  const outbox: EventEnvelope[] = [];
  let sequence = 0;

  const ofScope = (scope: MerchantScope, paymentId: string) => {
    const stored = payments.get(paymentId);
    return stored?.record.merchantId === scope.merchantId && stored.record.mode === scope.mode
      ? stored.record
      : undefined;
  };

  /** What a payment's refunds in `status` add up to. */
  const refundTotal = (payment: PaymentRecord, status: RefundRecord['status']) =>
    refunds
      .filter((refund) => refund.paymentId === payment.id && refund.status === status)
      .reduce((sum, refund) => addMoney(sum, refund.amount), {
        amount: new MoneyDecimal(0),
        currency: payment.amount.currency,
      });

  /** Updates a payment as the database does: guarded, and its update time set. */
  const update = (stored: StoredPayment, change: Partial<PaymentRecord>) => {
    const after = { ...stored.record, ...change, updatedAt: clock() };
    guardPaymentChange(stored.record, after, {
      executed: refundTotal(stored.record, 'EXECUTED'),
      pending: refundTotal(stored.record, 'PENDING'),
    });
    stored.record = after;
    return after;
  };

  const store: PaymentStore & RefundStore = {
    async create(payment, initiated) {
      const existing = [...payments.values()].find(
        (stored) =>
          stored.record.merchantId === payment.merchantId &&
          stored.record.mode === payment.mode &&
          stored.idempotencyKey === payment.idempotencyKey,
      );
      if (existing) return { payment: existing.record, created: false };
      // Distinct creation times keep the newest-first order of the list deterministic.
      const createdAt = new Date(clock().getTime() + sequence++);
      const record: PaymentRecord = {
        id: payment.id,
        merchantId: payment.merchantId,
        mode: payment.mode,
        status: 'INITIATED',
        amount: payment.amount,
        currency: payment.currency,
        refundedAmount: { amount: new MoneyDecimal(0), currency: payment.amount.currency },
        pendingRefundAmount: { amount: new MoneyDecimal(0), currency: payment.amount.currency },
        source: payment.source,
        description: payment.description,
        customer: payment.customer,
        metadata: payment.metadata,
        failureReason: null,
        requestHash: payment.requestHash,
        createdAt,
        updatedAt: createdAt,
      };
      payments.set(record.id, {
        record,
        idempotencyKey: payment.idempotencyKey,
        history: [{ from: null, to: 'INITIATED', reason: null, occurredAt: createdAt }],
        bankChargeId: null,
        bankAttempts: 0,
        claim: null,
        nextAttemptAt: null,
      });
      outbox.push(initiated);
      return { payment: record, created: true };
    },
    find: async (scope, paymentId) => ofScope(scope, paymentId),
    async listForPayment(scope, paymentId, { limit, startingAfter }) {
      const payment = ofScope(scope, paymentId);
      if (!payment) return undefined;
      const ofPayment = refunds
        .filter((refund) => refund.paymentId === paymentId)
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1));
      const after = startingAfter
        ? ofPayment.findIndex((refund) => refund.id === startingAfter) + 1 || ofPayment.length
        : 0;
      const page = ofPayment.slice(after);
      return {
        payment,
        refunds: page.slice(0, limit).map((refund) => ({ ...refund })),
        hasMore: page.length > limit,
      };
    },
    async findRefund(scope, refundId) {
      const refund = refunds.find(
        (candidate) =>
          candidate.id === refundId &&
          candidate.merchantId === scope.merchantId &&
          candidate.mode === scope.mode,
      );
      const payment = refund && payments.get(refund.paymentId)?.record;
      return refund && payment ? { refund: { ...refund }, payment } : undefined;
    },
    async history(paymentId) {
      return payments.get(paymentId)?.history ?? [];
    },
    async list(scope, { limit, startingAfter, status }) {
      // Keyset order, as the database's: newest first, then the greater id.
      const ofScope = [...payments.values()]
        .map((stored) => stored.record)
        .filter((record) => record.merchantId === scope.merchantId && record.mode === scope.mode)
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1));
      // A cursor that is no payment of the scope has nothing after it.
      const after = startingAfter
        ? ofScope.findIndex((record) => record.id === startingAfter) + 1 || ofScope.length
        : 0;
      const page = ofScope.slice(after).filter((record) => !status || record.status === status);
      return { payments: page.slice(0, limit), hasMore: page.length > limit };
    },
    // One caller at a time in a unit test: the transaction is the work itself, its lock a no-op.
    inTransaction: (work) =>
      work({
        lockPayment: async (scope, paymentId) => ofScope(scope, paymentId),
        async refundByKey(scope, idempotencyKey) {
          return refunds.find(
            (refund) =>
              refund.merchantId === scope.merchantId &&
              refund.mode === scope.mode &&
              refund.idempotencyKey === idempotencyKey,
          );
        },
        async record(payment, decision) {
          const stored = payments.get(payment.id) as StoredPayment;
          if (
            refunds.some(
              (refund) =>
                refund.merchantId === payment.merchantId &&
                refund.mode === payment.mode &&
                refund.idempotencyKey === decision.refund.idempotencyKey,
            )
          )
            throw new Error('duplicate key value violates unique constraint "refunds_idempotency_key"');
          const refund: StoredRefund = {
            id: decision.refund.id,
            paymentId: payment.id,
            amount: decision.refund.amount,
            reason: decision.refund.reason,
            requestHash: decision.refund.requestHash,
            // Apart by a millisecond each, as payments: a list's order is the database's (newest first).
            createdAt: new Date(clock().getTime() + sequence),
            updatedAt: new Date(clock().getTime() + sequence++),
            merchantId: payment.merchantId,
            mode: payment.mode,
            idempotencyKey: decision.refund.idempotencyKey,
            kind: decision.refund.kind,
            status: 'PENDING',
            failureReason: null,
            bankRefundId: null,
            bankAttempts: 0,
            claim: null,
            nextAttemptAt: null,
          };
          if (stored.record.status !== 'SUCCESS') throw new Error(`payment ${payment.id} is not SUCCESS`);
          // The refund first, as the database's guard checks the payment's totals against it; a refused
          // change takes it back, as the rolled-back transaction.
          refunds.push(refund);
          try {
            update(stored, { pendingRefundAmount: decision.pendingAfter });
          } catch (error) {
            refunds.pop();
            throw error;
          }
          outbox.push(decision.event);
          return { refund, payment: stored.record };
        },
      }),
  };

  /** A claim on a row waiting on the bank while `waiting` says it still does (PENDING). */
  function bankClaimOn<C>(
    row: () => BankAttempts | undefined,
    waiting: () => boolean,
    claimed: () => C,
  ): BankClaim<C> {
    /** The row, if `holder` holds its claim (expired or not: nobody took it over). */
    const heldBy = (holder: string) => (waiting() && row()?.claim?.holder === holder ? row() : undefined);
    return {
      async claim({ holder, now, leaseMs }: BankClaimLease) {
        const stored = row();
        if (!stored || !waiting()) return undefined;
        if (stored.claim && stored.claim.expiresAt > now) return undefined;
        stored.claim = { holder, expiresAt: new Date(now.getTime() + leaseMs) };
        return claimed();
      },
      async renew({ holder, now, leaseMs }) {
        const stored = heldBy(holder);
        if (!stored?.claim) return false;
        stored.claim.expiresAt = new Date(now.getTime() + leaseMs);
        return true;
      },
      expiry: async () => (waiting() ? row()?.claim?.expiresAt : undefined),
      async release(holder) {
        const stored = heldBy(holder);
        if (stored) stored.claim = null;
      },
    };
  }

  /** Leaves a row waiting until `at` and releases its claim, if `holder` still holds it. */
  function defer(stored: BankAttempts | undefined, holder: string, at: Date, counted: boolean) {
    if (stored?.claim?.holder !== holder) return;
    stored.bankAttempts += counted ? 1 : 0;
    stored.nextAttemptAt = at;
    stored.claim = null;
  }

  const lifecycle: PaymentLifecycle = {
    find: async (paymentId) => payments.get(paymentId)?.record,
    async transition(paymentId, from: PaymentStatus, to: PaymentStatus, change) {
      const stored = payments.get(paymentId);
      if (stored?.record.status !== from) return undefined;
      // A failure's reason is kept: only FAILED sets it.
      const failureReason = to === 'FAILED' ? (change.reason ?? null) : null;
      update(stored, { status: to, failureReason: failureReason ?? stored.record.failureReason });
      stored.bankChargeId = change.bankChargeId ?? stored.bankChargeId;
      stored.claim = null;
      stored.nextAttemptAt = null;
      stored.history.push({ from, to, reason: change.reason ?? null, occurredAt: clock() });
      if (change.event) outbox.push(change.event);
      return stored.record;
    },
    bankClaim: (paymentId) =>
      bankClaimOn(
        () => payments.get(paymentId),
        () => payments.get(paymentId)?.record.status === 'PENDING',
        () => {
          const stored = payments.get(paymentId) as StoredPayment;
          return { payment: stored.record, bankAttempts: stored.bankAttempts };
        },
      ),
    async deferBankAttempt(paymentId, holder, at, counted) {
      const stored = payments.get(paymentId);
      if (stored?.record.status === 'PENDING') defer(stored, holder, at, counted);
    },
    async duePending(now, staleAfterMs, limit) {
      const dueAt = (stored: StoredPayment) =>
        stored.nextAttemptAt ?? new Date(stored.record.updatedAt.getTime() + staleAfterMs);
      return [...payments.values()]
        .filter((stored) => stored.record.status === 'PENDING' && dueAt(stored) <= now)
        .sort((a, b) => dueAt(a).getTime() - dueAt(b).getTime())
        .slice(0, limit)
        .map((stored) => stored.record);
    },
  };

  const refundOf = (refundId: string) => refunds.find((refund) => refund.id === refundId);
  const pendingRefund = (refundId: string) => refundOf(refundId)?.status === 'PENDING';

  const executions: RefundExecutions = {
    bankClaim: (refundId) =>
      bankClaimOn(
        () => refundOf(refundId),
        () => pendingRefund(refundId),
        () => {
          const refund = refundOf(refundId) as StoredRefund;
          const payment = payments.get(refund.paymentId) as StoredPayment;
          if (!payment.bankChargeId)
            throw new Error(`refund ${refundId} belongs to a payment without a bank charge`);
          return {
            paymentId: refund.paymentId,
            merchantId: payment.record.merchantId,
            mode: payment.record.mode,
            chargeId: payment.bankChargeId,
            amount: refund.amount,
            bankAttempts: refund.bankAttempts,
          };
        },
      ),
    inTransaction: async (work) => {
      // Taken back if the work throws, as the rolled-back transaction.
      const before = refunds.map((refund) => ({ ...refund }));
      const conclude = (refundId: string, change: Partial<StoredRefund>) => {
        const refund = refundOf(refundId);
        if (refund?.status !== 'PENDING') return undefined;
        Object.assign(refund, { ...change, claim: null, nextAttemptAt: null, updatedAt: clock() });
        const payment = payments.get(refund.paymentId) as StoredPayment;
        return { payment: payment.record, amount: refund.amount, reason: refund.reason };
      };
      try {
        return await work({
          markExecuted: async (refundId, bankRefundId) =>
            conclude(refundId, { status: 'EXECUTED', bankRefundId }),
          markFailed: async (refundId, reason) =>
            conclude(refundId, { status: 'FAILED', failureReason: reason }),
          async applyOutcome(payment, decision, historyReason) {
            const stored = payments.get(payment.id) as StoredPayment;
            update(stored, {
              refundedAmount: decision.refundedAfter,
              pendingRefundAmount: decision.pendingAfter,
              status: decision.statusAfter,
            });
            if (decision.statusAfter !== payment.status)
              stored.history.push({
                from: payment.status,
                to: decision.statusAfter,
                reason: historyReason,
                occurredAt: clock(),
              });
            outbox.push(decision.event);
          },
        });
      } catch (error) {
        refunds.splice(0, refunds.length, ...before);
        throw error;
      }
    },
    async defer(refundId, holder, at, counted) {
      if (pendingRefund(refundId)) defer(refundOf(refundId), holder, at, counted);
    },
    async overdue(now, staleAfterMs, limit) {
      const dueAt = (refund: StoredRefund) =>
        refund.nextAttemptAt ?? new Date(refund.createdAt.getTime() + staleAfterMs);
      return refunds
        .filter((refund) => refund.status === 'PENDING' && dueAt(refund) <= now)
        .sort((a, b) => dueAt(a).getTime() - dueAt(b).getTime() || (a.id < b.id ? -1 : 1))
        .slice(0, limit)
        .map((refund) => refund.id);
    },
  };

  /**
   * Puts a payment in as it stands mid-processing: its bank attempts so far, and a claim another caller
   * holds until `claimExpiresAt`.
   */
  function seed(
    record: PaymentRecord,
    state: { bankAttempts?: number; claimExpiresAt?: Date } = {},
  ): StoredPayment {
    const stored: StoredPayment = {
      record,
      idempotencyKey: record.id,
      history: [],
      bankChargeId: null,
      bankAttempts: state.bankAttempts ?? 0,
      claim: state.claimExpiresAt ? { holder: 'another-caller', expiresAt: state.claimExpiresAt } : null,
      nextAttemptAt: null,
    };
    payments.set(record.id, stored);
    return stored;
  }

  return { store, lifecycle, executions, seed, payments, refunds, outbox };
}
