import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsIamSigner } from '../../../lambdas/core/adapters/bank/aws-iam-signer';
import { testHttpBank } from '../../support/bank-simulator';
import { chargeRequest } from '../../support/bank-use-cases';

const CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const REGION = 'eu-west-1';

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}
const received: Received[] = [];
const server = createServer(async (request, response) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  received.push({
    method: request.method!,
    url: request.url!,
    headers: request.headers,
    body: Buffer.concat(chunks).toString('utf8'),
  });
  response.writeHead(201, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ status: 'approved', chargeId: 'ch_1' }));
});
let baseUrl: string;
const saved = { ...process.env };

beforeAll(async () => {
  Object.assign(process.env, CREDENTIALS);
  delete process.env.AWS_SESSION_TOKEN;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // A function URL ends with a slash; the connector's paths start with one.
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => {
  process.env = saved;
  server.close();
});

const hmac = (key: Buffer | string, text: string) => createHmac('sha256', key).update(text).digest();
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The SigV4 signature of a request as it arrived, computed independently from AWS's published algorithm
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html): what Lambda
 * recomputes to authenticate a function URL call.
 */
function expectedAuthorization(request: Received): string {
  const authorization = String(request.headers.authorization);
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(authorization)![1]!;
  const amzDate = String(request.headers['x-amz-date']);
  const url = new URL(request.url, 'http://placeholder');
  const query = [...url.searchParams]
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .sort()
    .join('&');
  const canonicalHeaders = signedHeaders
    .split(';')
    .map((name) => `${name}:${String(request.headers[name]).trim()}\n`)
    .join('');
  const canonical = [
    request.method,
    url.pathname,
    query,
    canonicalHeaders,
    signedHeaders,
    sha256(request.body),
  ].join('\n');
  const scope = `${amzDate.slice(0, 8)}/${REGION}/lambda/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  let key: Buffer = hmac(`AWS4${CREDENTIALS.AWS_SECRET_ACCESS_KEY}`, amzDate.slice(0, 8));
  for (const part of [REGION, 'lambda', 'aws4_request']) key = hmac(key, part);
  const signature = hmac(key, toSign).toString('hex');
  return `AWS4-HMAC-SHA256 Credential=${CREDENTIALS.AWS_ACCESS_KEY_ID}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
}

describe('the bank connector signing for a function URL (AuthType AWS_IAM)', () => {
  it('sends every request signed for the lambda service: the host, the path, the query and the body as they arrive', async () => {
    const { bank } = testHttpBank(baseUrl, {}, awsIamSigner(REGION));
    await bank.charge(chargeRequest('tok_success', { paymentId: 'pay_1' }));
    await bank.lookupCharge(chargeRequest('tok_success', { paymentId: 'pay 1/ä' }));
    expect(received.map((request) => `${request.method} ${request.url}`)).toEqual([
      'POST /v1/charges',
      'GET /v1/charges?idempotency_key=pay%201%2F%C3%A4',
    ]);
    for (const request of received) {
      expect(String(request.headers.authorization)).toContain('/eu-west-1/lambda/aws4_request');
      expect(String(request.headers.authorization)).toMatch(/SignedHeaders=[^,]*host/);
      expect(request.headers.authorization).toBe(expectedAuthorization(request));
    }
    expect(String(received[0]!.headers.authorization)).toMatch(/SignedHeaders=[^,]*idempotency-key/);
  });

  it('sends nothing signed without a signer', async () => {
    received.length = 0;
    const { bank } = testHttpBank(baseUrl);
    await bank.charge(chargeRequest('tok_success', { paymentId: 'pay_2' }));
    expect(received[0]?.headers.authorization).toBeUndefined();
  });
});
