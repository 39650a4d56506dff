import { createServer } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { httpWebhookSender } from '../../../../lambdas/core/adapters/webhooks/http-sender';

/** A merchant endpoint on a private port: each path is one way of (not) answering. */
const received: string[] = [];
const server = createServer((request, response) => {
  received.push(request.url ?? '');
  request.resume();
  request.on('end', () => {
    if (request.url === '/ok') response.writeHead(204).end();
    else if (request.url === '/down') response.writeHead(503).end();
    else if (request.url === '/reset') request.socket.destroy();
    else if (request.url === '/status-then-cut') {
      response.writeHead(200, { 'content-length': '100' });
      response.write('partial');
      setTimeout(() => request.socket.destroy(), 20);
    }
    // '/hang' takes the request and never answers.
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const address = server.address() as { port: number };
/** A plain-http sender allowed to reach this endpoint (and, below, a closed port) on loopback. */
const senderFor = (...hosts: string[]) =>
  httpWebhookSender({
    timeoutMs: 500,
    maxResponseBytes: 4_096,
    allowedHosts: new Set(hosts),
    requireHttps: false,
  });
const sender = senderFor(`127.0.0.1:${address.port}`);
const post = (path: string) => sender.send(`${base}${path}`, '{}', { 'content-type': 'application/json' });

describe('the HTTP webhook sender', () => {
  it("returns the endpoint's answer, a failure status included", async () => {
    expect(await post('/ok')).toEqual({ status: 204 });
    expect(await post('/down')).toEqual({ status: 503 });
  });

  it('takes the status as the answer even when the body is cut short after it', async () => {
    expect(await post('/status-then-cut')).toEqual({ status: 200 });
  });

  it('marks a request the endpoint took but never answered as one that may have arrived', async () => {
    expect(await post('/hang')).toEqual({ error: expect.stringMatching(/timeout/), mayHaveArrived: true });
    expect(await post('/reset')).toEqual({ error: expect.any(String), mayHaveArrived: true });
    expect(received).toEqual(expect.arrayContaining(['/hang', '/reset']));
  });

  it('marks a request that never left (connection refused, unknown host) as one that cannot have arrived', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    expect(await senderFor(`127.0.0.1:${port}`).send(`http://127.0.0.1:${port}/hooks`, '{}', {})).toEqual({
      error: expect.any(String),
      mayHaveArrived: false,
    });
    expect(await sender.send('http://merchant.invalid/hooks', '{}', {})).toEqual({
      error: expect.any(String),
      mayHaveArrived: false,
    });
  });
});
