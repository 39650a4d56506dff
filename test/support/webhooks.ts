import { localEndpoints } from './local-stack';

export interface SinkDelivery {
  merchantId: string;
  headers: Record<string, string>;
  rawBody: string;
  answered: number;
}

/** Every delivery the webhook sink received for a merchant. */
export async function deliveriesTo(merchantId: string): Promise<SinkDelivery[]> {
  const response = await fetch(`${localEndpoints().webhookSinkUrl}/deliveries?merchantId=${merchantId}`);
  return ((await response.json()) as { deliveries: SinkDelivery[] }).deliveries;
}

/** Makes the merchant's next `times` webhook deliveries fail with a 500. */
export async function failNextDeliveries(merchantId: string, times: number): Promise<void> {
  await fetch(`${localEndpoints().webhookSinkUrl}/admin/fail`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ merchantId, times }),
  });
}

/** Takes the merchant's endpoint down (503 to every delivery) or brings it back. */
export async function setEndpointDown(merchantId: string, enabled: boolean): Promise<void> {
  const response = await fetch(`${localEndpoints().webhookSinkUrl}/admin/outage`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ merchantId, enabled }),
  });
  if (!response.ok) throw new Error(`the webhook sink refused the outage switch: ${response.status}`);
}
