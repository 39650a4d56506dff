import type pg from 'pg';
import { type Output, UsageError } from '../context';

/** `aspay payments show <id>`: status, history, events, ledger entries and notifications of one payment. */
export async function showPayment(pool: pg.Pool, id: string | undefined, out: Output): Promise<void> {
  if (!id || !/^[0-9a-f-]{36}$/i.test(id)) throw new UsageError('usage: aspay payments show <payment id>');
  const payment = await pool.query(
    `SELECT id, merchant_id, mode, status, amount::text, currency, refunded_amount::text, pending_refund_amount::text, source, failure_reason,
            bank_charge_id, bank_attempts, next_bank_attempt_at, created_at, updated_at FROM payments WHERE id = $1`,
    [id],
  );
  if (!payment.rows[0]) throw new UsageError(`no payment ${id}`);
  const [history, events, entries, refunds, notifications] = await Promise.all([
    pool.query(
      'SELECT from_status, to_status, reason, occurred_at FROM payment_status_history WHERE payment_id = $1 ORDER BY id',
      [id],
    ),
    pool.query(
      'SELECT event_id, event_type, aggregate_version, created_at, published_at FROM outbox WHERE aggregate_id = $1 ORDER BY aggregate_version, id',
      [id],
    ),
    pool.query(
      `SELECT e.id, e.kind, e.mode, e.event_id, e.currency, e.posted_at,
              json_agg(json_build_object('account', p.account_id, 'direction', p.direction, 'amount', p.amount::text) ORDER BY p.id) AS postings
       FROM ledger.journal_entries e JOIN ledger.postings p ON p.entry_id = e.id
       WHERE e.payment_id = $1 GROUP BY e.id ORDER BY e.posted_at`,
      [id],
    ),
    pool.query(
      `SELECT id, kind, amount::text, reason, status, failure_reason, bank_attempts, bank_refund_id, executed_at,
              failed_at, created_at FROM refunds WHERE payment_id = $1 ORDER BY created_at`,
      [id],
    ),
    pool.query(
      `SELECT event_id, event_type, status, attempts, unanswered_attempts, response_status, last_error,
              next_attempt_at, last_attempt_at, created_at FROM webhook_deliveries WHERE payment_id = $1 ORDER BY created_at`,
      [id],
    ),
  ]);
  const report = {
    payment: payment.rows[0],
    history: history.rows,
    events: events.rows,
    ledgerEntries: entries.rows,
    refunds: refunds.rows,
    notifications: notifications.rows,
  };
  out.print(report, () => {
    const p = payment.rows[0];
    const lines = [
      `payment ${p.id}  ${p.mode} mode  ${p.status}  ${p.amount} ${p.currency}  merchant ${p.merchant_id}`,
      'history:',
      ...history.rows.map(
        (h) =>
          `  ${h.occurred_at.toISOString()}  ${h.from_status ?? '-'} → ${h.to_status}${h.reason ? `  (${h.reason})` : ''}`,
      ),
      'events:',
      ...events.rows.map(
        (e) => `  v${e.aggregate_version}  ${e.event_type}  ${e.published_at ? 'published' : 'waiting'}`,
      ),
      'ledger:',
      ...entries.rows.map(
        (e) =>
          `  ${e.kind}  ${e.postings.map((x: { direction: string; account: string; amount: string }) => `${x.direction} ${x.account} ${x.amount}`).join(' / ')}`,
      ),
      'refunds:',
      ...refunds.rows.map(
        (r) =>
          `  ${r.kind}  ${r.amount}  ${r.status === 'EXECUTED' ? 'executed at the bank' : r.status === 'FAILED' ? `FAILED: ${r.failure_reason}` : `not yet executed (${r.bank_attempts} attempt(s))`}`,
      ),
      'notifications:',
      ...notifications.rows.map(
        (n) =>
          `  ${n.event_type}  ${n.status === 'pending' ? `waiting for a retry at ${n.next_attempt_at.toISOString()}` : n.status} after ${n.attempts} attempt(s)${n.unanswered_attempts > 0 ? ` (${n.unanswered_attempts} unanswered: the merchant may have received it more than once)` : ''}${n.last_error ? `: ${n.last_error}` : ''}`,
      ),
    ];
    return lines.join('\n');
  });
}
