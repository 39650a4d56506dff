import { createServer, type Server } from 'node:http';

/**
 * The merchants' webhook endpoints, simulated: `POST /hooks/<merchantId>` records each delivery (headers and
 * raw body) and answers 204, or 500 while a failure was requested for that merchant, or 503 while the
 * merchant's endpoint is down. `GET /deliveries[?merchantId=…]` lists them; `POST /admin/fail {"merchantId",
 * "times"}` makes the next deliveries to a merchant fail; `POST /admin/outage {"merchantId", "enabled"}` takes
 * a merchant's endpoint down (503 to every delivery) until it is switched back.
 */
export interface RecordedDelivery {
  merchantId: string;
  receivedAt: string;
  headers: Record<string, string>;
  rawBody: string;
  answered: number;
}

export function createWebhookSink(): Server {
  const deliveries: RecordedDelivery[] = [];
  const failuresLeft = new Map<string, number>();
  const down = new Set<string>();

  return createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const url = new URL(request.url ?? '/', 'http://sink');
    const reply = (status: number, body?: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(body === undefined ? '' : JSON.stringify(body));
    };

    const hook = /^\/hooks\/([^/]+)$/.exec(url.pathname);
    if (hook && request.method === 'POST') {
      const merchantId = decodeURIComponent(hook[1] as string);
      const left = failuresLeft.get(merchantId) ?? 0;
      const answered = down.has(merchantId) ? 503 : left > 0 ? 500 : 204;
      if (answered === 500) failuresLeft.set(merchantId, left - 1);
      const headers = Object.fromEntries(
        Object.entries(request.headers).map(([name, value]) => [
          name,
          Array.isArray(value) ? value.join(', ') : (value ?? ''),
        ]),
      );
      deliveries.push({ merchantId, receivedAt: new Date().toISOString(), headers, rawBody, answered });
      return reply(answered);
    }
    if (url.pathname === '/deliveries' && request.method === 'GET') {
      const merchantId = url.searchParams.get('merchantId');
      return reply(200, {
        deliveries: merchantId ? deliveries.filter((d) => d.merchantId === merchantId) : deliveries,
      });
    }
    if (url.pathname === '/admin/fail' && request.method === 'POST') {
      const { merchantId, times } = JSON.parse(rawBody || '{}') as { merchantId?: string; times?: number };
      if (!merchantId || !Number.isInteger(times))
        return reply(400, { error: 'merchantId and times required' });
      failuresLeft.set(merchantId, times as number);
      return reply(200, { merchantId, times });
    }
    if (url.pathname === '/admin/outage' && request.method === 'POST') {
      const { merchantId, enabled } = JSON.parse(rawBody || '{}') as {
        merchantId?: string;
        enabled?: boolean;
      };
      if (!merchantId || typeof enabled !== 'boolean')
        return reply(400, { error: 'merchantId and enabled required' });
      if (enabled) down.add(merchantId);
      else down.delete(merchantId);
      return reply(200, { merchantId, down: enabled });
    }
    reply(404, { error: 'not_found' });
  });
}
