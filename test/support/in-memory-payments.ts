import type { EventEnvelope } from '../../lambdas/core/domain/events';
import { MoneyDecimal } from '../../lambdas/core/domain/money';
import type { PaymentStatus } from '../../lambdas/core/domain/payment';
import type { PaymentLifecycle } from '../../lambdas/core/use-cases/ports/bank-attempts';
import type { MerchantScope } from '../../lambdas/core/use-cases/ports/merchants';
import type {
  PaymentRecord,
  PaymentStore,
  StatusChangeRecord,
} from '../../lambdas/core/use-cases/ports/payments';
import type { RefundRecord, RefundStore } from '../../lambdas/core/use-cases/ports/refunds';

interface StoredPayment {
  record: PaymentRecord;
  idempotencyKey: string;
  history: StatusChangeRecord[];
  bankChargeId: string | null;
  bankAttempts: number;
  /** The bank-attempt claim: its holder and when its lease expires. */
  claim: { holder: string; expiresAt: Date } | null;
  nextAttemptAt: Date | null;
}

/**
 * The payments in memory, with the PostgreSQL store's rules: one payment per merchant, mode and idempotency
 * key; one refund per merchant, mode and key; a conditional status change; a bank-attempt claim with a
 * lease. `outbox` holds every event written with a change, in order.
 */
export function inMemoryPayments(clock: () => Date) {
  const payments = new Map<string, StoredPayment>();
  const refunds: (RefundRecord & { merchantId: string; mode: string; idempotencyKey: string })[] = [];
  const outbox: EventEnvelope[] = [];
  let sequence = 0;

  const ofScope = (scope: MerchantScope, paymentId: string) => {
    const stored = payments.get(paymentId);
    return stored?.record.merchantId === scope.merchantId && stored.record.mode === scope.mode
      ? stored.record
      : undefined;
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
    async history(paymentId) {
      return payments.get(paymentId)?.history ?? [];
    },
    async list(scope, { limit, startingAfter, status }) {
      const ofScope = [...payments.values()]
        .map((stored) => stored.record)
        .filter((record) => record.merchantId === scope.merchantId && record.mode === scope.mode)
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
      const after = startingAfter ? ofScope.findIndex((record) => record.id === startingAfter) + 1 : 0;
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
          const refund = {
            id: decision.refund.id,
            paymentId: payment.id,
            amount: decision.refund.amount,
            reason: decision.refund.reason,
            requestHash: decision.refund.requestHash,
            createdAt: clock(),
            merchantId: payment.merchantId,
            mode: payment.mode,
            idempotencyKey: decision.refund.idempotencyKey,
          };
          refunds.push(refund);
          const from = stored.record.status;
          stored.record = {
            ...stored.record,
            refundedAmount: decision.refundedAfter,
            status: decision.statusAfter,
            updatedAt: clock(),
          };
          if (from !== decision.statusAfter)
            stored.history.push({ from, to: decision.statusAfter, reason: null, occurredAt: clock() });
          outbox.push(decision.event);
          return { refund, payment: stored.record };
        },
      }),
  };

  /** A PENDING payment whose claim `holder` holds (expired or not: nobody took it over). */
  const heldBy = (paymentId: string, holder: string) => {
    const stored = payments.get(paymentId);
    return stored?.record.status === 'PENDING' && stored.claim?.holder === holder ? stored : undefined;
  };

  const lifecycle: PaymentLifecycle = {
    find: async (paymentId) => payments.get(paymentId)?.record,
    async transition(paymentId, from: PaymentStatus, to: PaymentStatus, change) {
      const stored = payments.get(paymentId);
      if (stored?.record.status !== from) return undefined;
      stored.record = {
        ...stored.record,
        status: to,
        failureReason: change.reason ?? null,
        updatedAt: clock(),
      };
      stored.bankChargeId = change.bankChargeId ?? stored.bankChargeId;
      stored.claim = null;
      stored.history.push({ from, to, reason: change.reason ?? null, occurredAt: clock() });
      if (change.event) outbox.push(change.event);
      return stored.record;
    },
    bankClaim: (paymentId) => ({
      async claim({ holder, now, leaseMs }) {
        const stored = payments.get(paymentId);
        if (stored?.record.status !== 'PENDING') return undefined;
        if (stored.claim && stored.claim.expiresAt > now) return undefined;
        stored.claim = { holder, expiresAt: new Date(now.getTime() + leaseMs) };
        return { payment: stored.record, bankAttempts: stored.bankAttempts };
      },
      async renew({ holder, now, leaseMs }) {
        const stored = heldBy(paymentId, holder);
        if (!stored?.claim) return false;
        stored.claim.expiresAt = new Date(now.getTime() + leaseMs);
        return true;
      },
      async expiry() {
        const stored = payments.get(paymentId);
        return stored?.record.status === 'PENDING' ? stored.claim?.expiresAt : undefined;
      },
      async release(holder) {
        const stored = heldBy(paymentId, holder);
        if (stored) stored.claim = null;
      },
    }),
    async deferBankAttempt(paymentId, holder, at, counted) {
      const stored = heldBy(paymentId, holder);
      if (!stored) return;
      stored.bankAttempts += counted ? 1 : 0;
      stored.nextAttemptAt = at;
      stored.claim = null;
    },
    duePending: async (now) =>
      [...payments.values()]
        .filter((stored) => stored.record.status === 'PENDING' && (stored.nextAttemptAt ?? now) <= now)
        .map((stored) => stored.record),
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

  return { store, lifecycle, seed, payments, refunds, outbox };
}
