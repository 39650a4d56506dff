import { localEndpoints } from './local-stack';

const { bankUrl, liveBankUrl } = localEndpoints();

/** The local stack's two banks: the sandbox (test mode) and the live bank, each with a book of its own. */
const BANK_URLS = { sandbox: bankUrl, live: liveBankUrl } as const;
export type LocalBank = keyof typeof BANK_URLS;

interface BankBook {
  charges: { id: string; amount: string }[];
  refunds: { id: string; chargeId: string; amount: string; idempotencyKey: string }[];
}

/** What a bank accepted: the charges of one payment (its id is their reference), and every refund. */
async function bookOf(bank: LocalBank, paymentId = ''): Promise<BankBook> {
  const response = await fetch(`${BANK_URLS[bank]}/admin/charges?reference=${paymentId}`);
  return (await response.json()) as BankBook;
}

/** Charges a bank (the sandbox unless told) accepted for one payment (its id is the charge's reference). */
export async function chargesFor(
  paymentId: string,
  bank: LocalBank = 'sandbox',
): Promise<{ id: string; amount: string }[]> {
  return (await bookOf(bank, paymentId)).charges;
}

/** The refunds a bank (the sandbox unless told) executed of one charge. */
export async function bankRefundsOf(
  chargeId: string,
  bank: LocalBank = 'sandbox',
): Promise<{ chargeId: string; amount: string }[]> {
  return (await bookOf(bank)).refunds.filter((refund) => refund.chargeId === chargeId);
}

export async function setBankOutage(enabled: boolean): Promise<void> {
  await fetch(`${bankUrl}/admin/outage`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ enabled }),
  });
}

/** How often a bank (the sandbox unless told) was called with one idempotency key: replays and 409s too. */
export async function bankCallsWith(
  idempotencyKey: string,
  bank: LocalBank = 'sandbox',
): Promise<{ charges: number; refunds: number }> {
  const response = await fetch(`${BANK_URLS[bank]}/admin/calls?idempotency_key=${idempotencyKey}`);
  return (await response.json()) as { charges: number; refunds: number };
}
