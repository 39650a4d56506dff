import type {
  ClaimedWebhookDelivery,
  WebhookDeliveries,
  WebhookDeliveryOutcome,
  WebhookEndpoint,
  WebhookSender,
} from '../../lambdas/core/use-cases/ports/webhooks';

export interface StoredDelivery extends ClaimedWebhookDelivery {
  status: WebhookDeliveryOutcome['status'];
  nextAttemptAt: Date | null;
  claimedUntil: Date | null;
  claimHolder: string | null;
  lastError: string | null;
  unansweredAttempts: number;
}

/** The delivery records in memory, with the same claim rules as PostgreSQL's. */
export function inMemoryWebhookDeliveries(endpoints: Record<string, WebhookEndpoint>) {
  const rows = new Map<string, StoredDelivery>();
  const due = (row: StoredDelivery, now: Date) =>
    row.status === 'pending' && row.nextAttemptAt !== null && row.nextAttemptAt <= now;
  const claimable = (row: StoredDelivery, now: Date) =>
    due(row, now) && (row.claimedUntil === null || row.claimedUntil < now);
  const held = (row: StoredDelivery | undefined, holder: string): row is StoredDelivery =>
    row?.status === 'pending' && row.claimHolder === holder;
  const deliveries: WebhookDeliveries = {
    async endpointOf(merchantId) {
      return endpoints[merchantId];
    },
    async open(notice, url, now, claim) {
      const existing = rows.get(notice.eventId);
      if (!existing) {
        rows.set(notice.eventId, {
          ...notice,
          url,
          attempts: 0,
          createdAt: now,
          status: 'pending',
          nextAttemptAt: now,
          claimedUntil: claim.until,
          claimHolder: claim.holder,
          lastError: null,
          unansweredAttempts: 0,
        });
        return { kind: 'claimed', attempts: 0, createdAt: now };
      }
      if (claimable(existing, now)) {
        Object.assign(existing, { claimedUntil: claim.until, claimHolder: claim.holder });
        return { kind: 'claimed', attempts: existing.attempts, createdAt: existing.createdAt };
      }
      return due(existing, now) && existing.claimedUntil
        ? { kind: 'held', until: existing.claimedUntil }
        : { kind: 'handled' };
    },
    async claimDue(now, claim, { limit, perMerchant }) {
      const perMerchantCount = new Map<string, number>();
      const dueNow = [...rows.values()]
        .filter((row) => claimable(row, now))
        .sort((a, b) => (a.nextAttemptAt?.getTime() ?? 0) - (b.nextAttemptAt?.getTime() ?? 0))
        .filter((row) => {
          const count = (perMerchantCount.get(row.merchantId) ?? 0) + 1;
          perMerchantCount.set(row.merchantId, count);
          return count <= perMerchant;
        })
        .slice(0, limit);
      for (const row of dueNow) Object.assign(row, { claimedUntil: claim.until, claimHolder: claim.holder });
      return dueNow.map((row) => ({ ...row }));
    },
    async recordAttempt(eventId, holder, _now, claimedUntil) {
      const row = rows.get(eventId);
      if (!held(row, holder)) return false;
      Object.assign(row, {
        attempts: row.attempts + 1,
        unansweredAttempts: row.unansweredAttempts + 1,
        claimedUntil,
      });
      return true;
    },
    async settle(eventId, holder, outcome) {
      const row = rows.get(eventId);
      if (!held(row, holder)) return false;
      Object.assign(row, {
        status: outcome.status,
        url: outcome.url,
        unansweredAttempts: row.unansweredAttempts - (outcome.attempts - outcome.unanswered),
        lastError: outcome.lastError,
        nextAttemptAt: outcome.status === 'pending' ? outcome.nextAttemptAt : null,
        claimedUntil: null,
        claimHolder: null,
      });
      return true;
    },
  };
  return { deliveries, rows };
}

/**
 * A merchant endpoint that answers the given statuses in turn (then the last one), recording each POST;
 * `'no answer'` is a POST it takes but whose answer never comes back (a timeout).
 */
export function scriptedSender(...answers: (number | 'no answer')[]) {
  const sent: { url: string; rawBody: string; headers: Record<string, string> }[] = [];
  const sender: WebhookSender = {
    async send(url, rawBody, headers) {
      sent.push({ url, rawBody, headers });
      const answer = answers[Math.min(sent.length - 1, answers.length - 1)] ?? 204;
      return answer === 'no answer'
        ? { error: 'The operation was aborted due to timeout', mayHaveArrived: true }
        : { status: answer };
    },
  };
  return { sender, sent };
}
