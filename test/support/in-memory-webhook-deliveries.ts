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
  lastError: string | null;
  unansweredAttempts: number;
}

/** The delivery records in memory, with the same claim rules as PostgreSQL's. */
export function inMemoryWebhookDeliveries(endpoints: Record<string, WebhookEndpoint>) {
  const rows = new Map<string, StoredDelivery>();
  const claimable = (row: StoredDelivery, now: Date) =>
    row.status === 'pending' &&
    row.nextAttemptAt !== null &&
    row.nextAttemptAt <= now &&
    (row.claimedUntil === null || row.claimedUntil < now);
  const deliveries: WebhookDeliveries = {
    async endpointOf(merchantId) {
      return endpoints[merchantId];
    },
    async open(notice, url, now, claimedUntil) {
      if (rows.has(notice.eventId)) return false;
      rows.set(notice.eventId, {
        ...notice,
        url,
        attempts: 0,
        createdAt: now,
        status: 'pending',
        nextAttemptAt: now,
        claimedUntil,
        lastError: null,
        unansweredAttempts: 0,
      });
      return true;
    },
    async claimDue(now, claimedUntil, { limit, perMerchant }) {
      const perMerchantCount = new Map<string, number>();
      const due = [...rows.values()]
        .filter((row) => claimable(row, now))
        .sort((a, b) => (a.nextAttemptAt?.getTime() ?? 0) - (b.nextAttemptAt?.getTime() ?? 0))
        .filter((row) => {
          const count = (perMerchantCount.get(row.merchantId) ?? 0) + 1;
          perMerchantCount.set(row.merchantId, count);
          return count <= perMerchant;
        })
        .slice(0, limit);
      for (const row of due) row.claimedUntil = claimedUntil;
      return due.map((row) => ({ ...row }));
    },
    async settle(eventId, outcome) {
      const row = rows.get(eventId);
      if (row?.status !== 'pending') return;
      Object.assign(row, {
        status: outcome.status,
        url: outcome.url,
        attempts: row.attempts + outcome.attempts,
        unansweredAttempts: row.unansweredAttempts + outcome.unanswered,
        lastError: outcome.lastError,
        nextAttemptAt: outcome.status === 'pending' ? outcome.nextAttemptAt : null,
        claimedUntil: null,
      });
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
