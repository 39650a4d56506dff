import { localEndpoints } from './local-stack';

const { bankUrl } = localEndpoints();

/** Charges the bank simulator accepted for one payment (its id is the charge's reference). */
export async function chargesFor(paymentId: string): Promise<{ id: string; amount: string }[]> {
  const response = await fetch(`${bankUrl}/admin/charges?reference=${paymentId}`);
  return ((await response.json()) as { charges: { id: string; amount: string }[] }).charges;
}

export async function setBankOutage(enabled: boolean): Promise<void> {
  await fetch(`${bankUrl}/admin/outage`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ enabled }),
  });
}
