import type pg from 'pg';
import { type Output, UsageError } from '../context';

/**
 * `aspay merchants list|show|disable|enable`: the merchants for operators. A disabled merchant's keys answer 401
 * once the API's cached authorizations of them end (at most `AUTHORIZER_CACHE_TTL_SECONDS`, 60 s); its
 * payments already accepted still finish, and are notified and posted as any.
 */

/** The prefixes of a merchant's usable keys of a mode (`aspay keys list` shows them all). */
const usableKeys = (mode: string) =>
  `(SELECT string_agg(k.key_prefix, ', ' ORDER BY k.created_at) FROM api_keys k
     WHERE k.merchant_id = merchants.id AND k.mode = '${mode}' AND k.revoked_at IS NULL
       AND (k.expires_at IS NULL OR k.expires_at > now()))`;

const MERCHANT_COLUMNS = `id, name, created_at AS "createdAt", disabled_at AS "disabledAt",
  ${usableKeys('test')} AS "testKeyPrefix", ${usableKeys('live')} AS "liveKeyPrefix", webhook_url AS "webhookUrl",
  customer_receipts AS "customerReceipts"`;

interface MerchantRow {
  id: string;
  name: string;
  createdAt: Date;
  disabledAt: Date | null;
  testKeyPrefix: string | null;
  liveKeyPrefix: string | null;
  webhookUrl: string | null;
  customerReceipts: boolean;
}

const stateOf = (merchant: MerchantRow) =>
  merchant.disabledAt ? `disabled since ${merchant.disabledAt.toISOString()}` : 'enabled';

export async function listMerchants(pool: pg.Pool, out: Output): Promise<void> {
  const { rows } = await pool.query<MerchantRow>(
    `SELECT ${MERCHANT_COLUMNS} FROM merchants ORDER BY created_at, id`,
  );
  out.print(rows, () =>
    rows.map((merchant) => `${merchant.id}  ${stateOf(merchant).padEnd(8)}  ${merchant.name}`).join('\n'),
  );
}

async function merchantOf(pool: pg.Pool, id: string | undefined, usage: string): Promise<MerchantRow> {
  if (!id) throw new UsageError(usage);
  const { rows } = await pool.query<MerchantRow>(`SELECT ${MERCHANT_COLUMNS} FROM merchants WHERE id = $1`, [
    id,
  ]);
  if (!rows[0]) throw new UsageError(`no merchant ${id}`);
  return rows[0];
}

export async function showMerchant(pool: pg.Pool, id: string | undefined, out: Output): Promise<void> {
  const merchant = await merchantOf(pool, id, 'usage: aspay merchants show <merchant id>');
  const { rows: payments } = await pool.query<{ mode: string; status: string; count: number }>(
    `SELECT mode, status, count(*)::int AS count FROM payments WHERE merchant_id = $1
      GROUP BY mode, status ORDER BY mode, status`,
    [merchant.id],
  );
  out.print({ ...merchant, payments }, () =>
    [
      `merchant ${merchant.id}  ${merchant.name}  ${stateOf(merchant)}`,
      `created  ${merchant.createdAt.toISOString()}`,
      `keys     ${merchant.testKeyPrefix ?? '-'} (test), ${merchant.liveKeyPrefix ?? '-'} (live)`,
      `webhook  ${merchant.webhookUrl ?? 'none'}`,
      `customer receipts  ${merchant.customerReceipts ? 'on' : 'off'}`,
      'payments:',
      ...payments.map((row) => `  ${row.mode}  ${row.status.padEnd(9)}  ${row.count}`),
    ].join('\n'),
  );
}

/** Disables (`disabled`) or enables a merchant; saying it again changes nothing, not even the time it was disabled. */
export async function setMerchantDisabled(
  pool: pg.Pool,
  id: string | undefined,
  disabled: boolean,
  out: Output,
): Promise<void> {
  if (!id) throw new UsageError(`usage: aspay merchants ${disabled ? 'disable' : 'enable'} <merchant id>`);
  const { rows } = await pool.query<MerchantRow>(
    `UPDATE merchants SET disabled_at = CASE WHEN $2 THEN COALESCE(disabled_at, now()) END WHERE id = $1
     RETURNING ${MERCHANT_COLUMNS}`,
    [id, disabled],
  );
  const merchant = rows[0];
  if (!merchant) throw new UsageError(`no merchant ${id}`);
  out.print(merchant, () => `${merchant.id}: ${stateOf(merchant)}`);
}
