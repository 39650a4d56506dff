import { executeRefundAtBank, type RefundExecutionDeps, type RefundExecutionResult } from './refund-at-bank';
import { type RetryWebhooksDeps, type RetryWebhooksResult, retryWebhooks } from './retry-webhooks';
import { chargeAndSettle, type SettlementDeps, type SettlementResult } from './settle-payment';

export interface RetrySweepDeps {
  /** Payments and refunds waiting on the bank. */
  readonly bank: SettlementDeps & RefundExecutionDeps;
  /** Webhooks waiting on the merchants' endpoints. */
  readonly webhooks: RetryWebhooksDeps;
}

export interface RetrySweepResult {
  readonly payments: readonly SettlementResult[];
  readonly refunds: readonly RefundExecutionResult[];
  readonly webhooks: RetryWebhooksResult;
  /** Payments at the attempt limit that the bank cannot settle: an alarm. */
  readonly stuck: number;
  /** Refunds given up as FAILED: an alarm. */
  readonly failedRefunds: number;
}

/**
 * One retry sweep of what waits: payments left PENDING and refunds not yet executed whose backoff is due (at most
 * `batch` of each), and the webhooks due a retry, worked on until `claimedUntil` (when this invocation can no
 * longer run: outcomes the bank gave are recorded until then; each delivery's own claim is renewed attempt by
 * attempt). Each payment, refund and delivery is claimed before it is tried, so overlapping sweeps never
 * try one twice; idempotency keys (payment id, refund id) mean the bank charges and refunds once.
 */
export async function retrySweep(
  deps: RetrySweepDeps,
  { batch, claimedUntil }: { batch: number; claimedUntil: Date },
): Promise<RetrySweepResult> {
  const { bank } = deps;
  const now = bank.clock();
  // A payment or refund held elsewhere is skipped, not waited for: the next sweep comes back to it.
  const claiming = { deadline: claimedUntil, waitForHolder: false };
  // Payments, refunds and webhooks each go their own way: a merchant's slow endpoint or a slow bank call never
  // holds back the rest of what is due (a refund due a second after an outage would otherwise wait for every
  // webhook retry of this sweep).
  const [payments, refunds, webhooks] = await Promise.all([
    bank.lifecycle
      .duePending(now, bank.settings.pendingRetryAfterMs, batch)
      .then((due) => Promise.all(due.map((payment) => chargeAndSettle(bank, payment, claiming)))),
    bank.executions
      .overdue(now, bank.settings.pendingRetryAfterMs, batch)
      .then((due) => Promise.all(due.map((refundId) => executeRefundAtBank(bank, refundId, claiming)))),
    retryWebhooks(deps.webhooks, claimedUntil),
  ]);
  return {
    payments,
    refunds,
    webhooks,
    stuck: payments.filter((result) => result === 'stuck').length,
    failedRefunds: refunds.filter((result) => result === 'failed').length,
  };
}
