import type pg from 'pg';
import { type Output, UsageError } from '../context';

const USAGE = 'usage: aspay merchants receipts <merchant id> on|off';

/**
 * `aspay merchants receipts <id> on|off`: the merchant's opt-in to customer receipts (docs/receipts.md). On, a
 * payment that names its customer's e-mail gets a receipt on success, a notice on failure and one per executed
 * refund; events from before are not sent.
 */
export async function setCustomerReceipts(
  pool: pg.Pool,
  merchantId: string | undefined,
  state: string | undefined,
  out: Output,
): Promise<void> {
  if (!merchantId || (state !== 'on' && state !== 'off')) throw new UsageError(USAGE);
  const { rowCount } = await pool.query('UPDATE merchants SET customer_receipts = $2 WHERE id = $1', [
    merchantId,
    state === 'on',
  ]);
  if (rowCount !== 1) throw new UsageError(`no merchant ${merchantId}`);
  out.print(
    { merchantId, customerReceipts: state === 'on' },
    () => `${merchantId}: customer receipts ${state}`,
  );
}
