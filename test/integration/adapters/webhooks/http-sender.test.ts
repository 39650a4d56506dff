import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  httpWebhookSender,
  type WebhookSenderOptions,
} from '../../../../lambdas/core/adapters/webhooks/http-sender';

/** A real listener that records every connection and request it gets. */
interface Listener {
  readonly port: number;
  readonly connections: number;
  readonly requests: string[];
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((server) => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    }),
  );
});

async function listen(
  host: string,
  answer: (request: IncomingMessage, response: ServerResponse) => void = (_request, response) =>
    response.end('ok'),
): Promise<Listener> {
  const state = { port: 0, connections: 0, requests: [] as string[] };
  const server = createServer((request, response) => {
    state.requests.push(`${request.method} ${request.url}`);
    request.resume();
    request.on('end', () => answer(request, response));
  });
  server.on('connection', () => state.connections++);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  state.port = (server.address() as AddressInfo).port;
  return state;
}

const body = '{"id":"evt_1","type":"payment.succeeded"}';
const headers = { 'content-type': 'application/json' };
const sender = (options: Partial<WebhookSenderOptions> = {}) =>
  httpWebhookSender({
    requireHttps: false,
    timeoutMs: 5_000,
    maxResponseBytes: 4_096,
    allowedHosts: new Set(),
    ...options,
  });

/** A refused attempt: the reason, and never a request that may have reached anyone. */
const refused = (reason: RegExp) => ({ error: expect.stringMatching(reason), mayHaveArrived: false });
const NOT_PUBLIC = /is not a public internet address/;

describe('the webhook sender', () => {
  it('refuses a loopback address that is not allow-listed, before any connection is made', async () => {
    const target = await listen('127.0.0.2');
    expect(await sender().send(`http://127.0.0.2:${target.port}/hooks`, body, headers)).toEqual(
      refused(NOT_PUBLIC),
    );
    expect(target.connections).toBe(0);
  });

  it('refuses a host name that resolves to a loopback address, checked after DNS resolution', async () => {
    const target = await listen('127.0.0.1');
    expect(await sender().send(`http://localhost:${target.port}/hooks`, body, headers)).toEqual(
      refused(/localhost resolves to .* not a public internet address/),
    );
    expect(target.connections).toBe(0);
  });

  it('refuses the metadata address and IPv4-mapped loopback written as IPv6', async () => {
    expect(await sender().send('http://169.254.169.254/latest/meta-data/', body, headers)).toEqual(
      refused(NOT_PUBLIC),
    );
    const target = await listen('127.0.0.1');
    expect(await sender().send(`http://[::ffff:127.0.0.1]:${target.port}/hooks`, body, headers)).toEqual(
      refused(NOT_PUBLIC),
    );
    expect(target.connections).toBe(0);
  });

  it('refuses plain http when https is required, before any connection is made', async () => {
    const target = await listen('127.0.0.1');
    expect(
      await sender({ requireHttps: true }).send(`http://localhost:${target.port}/hooks`, body, headers),
    ).toEqual(refused(/must use https/));
    expect(target.connections).toBe(0);
  });

  it('delivers to an allow-listed host and port, and only that port', async () => {
    const allowed = await listen('127.0.0.1');
    const other = await listen('127.0.0.1');
    const send = sender({ requireHttps: true, allowedHosts: new Set([`127.0.0.1:${allowed.port}`]) }).send;
    expect(await send(`http://127.0.0.1:${allowed.port}/hooks/mer_1`, body, headers)).toEqual({
      status: 200,
    });
    expect(allowed.requests).toEqual(['POST /hooks/mer_1']);
    expect(await send(`http://127.0.0.1:${other.port}/hooks/mer_1`, body, headers)).toEqual(
      refused(/must use https/),
    );
    expect(other.connections).toBe(0);
  });

  it('does not follow a redirect: the 3xx is the answer, and its target is never called', async () => {
    const inside = await listen('127.0.0.1');
    const redirecting = await listen('127.0.0.1', (_request, response) => {
      response.writeHead(302, { location: `http://127.0.0.1:${inside.port}/internal` }).end();
    });
    const allowedHosts = new Set([`127.0.0.1:${redirecting.port}`, `127.0.0.1:${inside.port}`]);
    const status = await sender({ allowedHosts }).send(
      `http://127.0.0.1:${redirecting.port}/hooks`,
      body,
      headers,
    );
    expect(status).toEqual({ status: 302 });
    expect(inside.connections).toBe(0);
  });

  it('reads a bounded part of an endless answer and closes the connection', async () => {
    const endless = await listen('127.0.0.1', (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const pump = () => {
        while (!response.destroyed && response.write(chunk));
        if (!response.destroyed) response.once('drain', pump);
      };
      pump();
    });
    const startedAt = Date.now();
    const status = await sender({
      allowedHosts: new Set([`127.0.0.1:${endless.port}`]),
      timeoutMs: 10_000,
    }).send(`http://127.0.0.1:${endless.port}/hooks`, body, headers);
    expect(status).toEqual({ status: 200 });
    // Well within the timeout: the sender stopped reading; it was not cut off by the timer.
    expect(Date.now() - startedAt).toBeLessThan(5_000);
  });
});
