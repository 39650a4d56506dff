import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookSink } from '../../../localstack/src/webhooks/webhook-sink';

const sink = createWebhookSink();
let url: string;

beforeAll(async () => {
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => sink.close(resolve)));

const deliver = async (merchantId: string) =>
  (await fetch(`${url}/hooks/${merchantId}`, { method: 'POST', body: '{}' })).status;
const outage = (merchantId: string, enabled: boolean) =>
  fetch(`${url}/admin/outage`, { method: 'POST', body: JSON.stringify({ merchantId, enabled }) });

describe('the webhook sink outage switch', () => {
  it("answers 503 to one merchant's deliveries while it is down, and 204 again once it is back", async () => {
    expect((await outage('mer_down', true)).status).toBe(200);
    expect(await deliver('mer_down')).toBe(503);
    expect(await deliver('mer_up')).toBe(204);
    await outage('mer_down', false);
    expect(await deliver('mer_down')).toBe(204);
    const { deliveries } = (await (await fetch(`${url}/deliveries?merchantId=mer_down`)).json()) as {
      deliveries: { answered: number }[];
    };
    expect(deliveries.map((delivery) => delivery.answered)).toEqual([503, 204]);
  });

  it('refuses a switch without a merchant or a boolean', async () => {
    expect((await fetch(`${url}/admin/outage`, { method: 'POST', body: '{"merchantId":"m"}' })).status).toBe(
      400,
    );
  });
});
