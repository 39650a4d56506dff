import type pg from 'pg';
import type { Ledger } from '../../use-cases/ports/ledger';
import { appendOutbox } from './outbox';
import { inTransaction } from './pool';
import { moneyOfNumeric, namedQuery, numericOf } from './sql';

/** The ledger schema: journal entries and postings, append-only and balanced (enforced by the database). */
export function postgresLedger(pool: pg.Pool): Ledger {
  return {
    async post(source, entry) {
      // One statement, so one round trip and its own transaction: the entry, unique per event (a redelivered
      // event inserts nothing, so no account and no posting either), its accounts and its postings. The
      // postings' foreign keys are checked at the end of the statement and the balance at its commit, once
      // every row is in.
      const { postings } = entry;
      const { rows } = await pool.query<{ id: string }>(
        namedQuery(
          `WITH entry AS (
           INSERT INTO ledger.journal_entries (id, event_id, kind, payment_id, merchant_id, mode, currency, description)
           VALUES (gen_random_uuid(), :event_id, :kind, :payment_id, :merchant_id, :mode, :currency, :description)
           ON CONFLICT (event_id) DO NOTHING
           RETURNING id),
         lines AS (
           SELECT * FROM unnest(:account_ids::text[], :account_kinds::text[], :account_merchant_ids::text[],
                                :account_modes::text[], :account_currencies::text[], :directions::text[],
                                :amounts::numeric[])
             AS line (account_id, kind, merchant_id, mode, currency, direction, amount)),
         accounts AS (
           INSERT INTO ledger.accounts (id, kind, merchant_id, mode, currency)
           SELECT DISTINCT account_id, kind, merchant_id, mode, currency FROM lines WHERE EXISTS (SELECT 1 FROM entry)
           ON CONFLICT (id) DO NOTHING),
         posted AS (
           INSERT INTO ledger.postings (entry_id, account_id, direction, amount, currency)
           SELECT entry.id, account_id, direction, amount, currency FROM entry, lines)
         SELECT id FROM entry`,
          {
            event_id: source.eventId,
            kind: entry.kind,
            payment_id: source.paymentId,
            merchant_id: source.merchantId,
            mode: entry.mode,
            currency: entry.currency,
            description: entry.description,
            account_ids: postings.map((posting) => posting.account.id),
            account_kinds: postings.map((posting) => posting.account.kind),
            account_merchant_ids: postings.map((posting) => posting.account.merchantId ?? null),
            account_modes: postings.map((posting) => posting.account.mode),
            account_currencies: postings.map((posting) => posting.account.currency),
            directions: postings.map((posting) => posting.direction),
            amounts: postings.map((posting) => numericOf(posting.amount)),
          },
        ),
      );
      return rows.length > 0 ? 'posted' : 'duplicate';
    },

    async paymentEntryState(paymentId) {
      const { rows } = await pool.query<{ posted: boolean; refused: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM ledger.journal_entries WHERE payment_id = $1 AND kind = 'payment') AS posted,
                EXISTS (SELECT 1 FROM ledger.posting_failures WHERE payment_id = $1) AS refused`,
        [paymentId],
      );
      if (rows[0]?.posted) return 'posted';
      return rows[0]?.refused ? 'refused' : 'missing';
    },

    reportPostingFailure(failed, event) {
      return inTransaction(pool, async (client) => {
        const recorded = await client.query(
          `INSERT INTO ledger.posting_failures (failed_event_id, payment_id, reason, reported_event_id)
           VALUES ($1, $2, $3, $4) ON CONFLICT (failed_event_id) DO NOTHING`,
          [failed.eventId, failed.paymentId, failed.reason, event.eventId],
        );
        if (!recorded.rowCount) return false;
        // Sharing the payment's row lock orders this event after the payment event it answers (docs/outbox-relay.md).
        const payment = await client.query<{ version: number }>(
          'SELECT version FROM payments WHERE id = $1 FOR SHARE',
          [failed.paymentId],
        );
        await appendOutbox(client, event, payment.rows[0]?.version ?? 0);
        return true;
      });
    },

    async frozenReason(merchantId) {
      const { rows } = await pool.query<{ reason: string }>(
        'SELECT reason FROM ledger.frozen_merchants WHERE merchant_id = $1',
        [merchantId],
      );
      return rows[0]?.reason;
    },

    async balances({ merchantId, mode }) {
      const { rows } = await pool.query<{ currency: string; balance: string }>(
        `SELECT a.currency,
                (COALESCE(sum(p.amount) FILTER (WHERE p.direction = 'credit'), 0)
                 - COALESCE(sum(p.amount) FILTER (WHERE p.direction = 'debit'), 0))::text AS balance
         FROM ledger.accounts a LEFT JOIN ledger.postings p ON p.account_id = a.id
         WHERE a.kind = 'merchant_payable' AND a.merchant_id = $1 AND a.mode = $2
         GROUP BY a.currency ORDER BY a.currency`,
        [merchantId, mode],
      );
      return rows.map((row) => moneyOfNumeric(row.balance, row.currency));
    },
  };
}
