import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamodbSandboxBankStore } from '../../../lambdas/core/adapters/dynamodb/sandbox-bank-store';
import { ENV } from '../../../lambdas/core/config/environment';
import { SANDBOX_BANK_TABLE } from '../../../lambdas/core/config/sandbox-bank';
import { type SandboxBank, sandboxBank } from '../../../lambdas/core/sandbox-bank/sandbox-bank';
import { createExpiringTable, localDynamoClient } from '../../../localstack/src/engines/dynamodb';
import { invokeFunction, loadHandler } from '../../../localstack/src/lambda-runtime';
import { handlerEnvironment } from '../../../localstack/src/stack';
import { localEndpoints } from '../../support/local-stack';

// A table of this file's own, shaped as the stack's (lib/sandbox-bank.ts) from the same configuration.
const TABLE = `sandbox-bank-${randomUUID()}`;
const SLOW_MS = 1_500;

let client: DynamoDBClient;

beforeAll(async () => {
  Object.assign(process.env, handlerEnvironment(localEndpoints()), { [ENV.sandboxBankTable]: TABLE });
  client = localDynamoClient(process.env[ENV.dynamodbEndpoint]!);
  await createExpiringTable(client, TABLE, SANDBOX_BANK_TABLE);
});

afterAll(async () => {
  await client.send(new DeleteTableCommand({ TableName: TABLE }));
});

/** One instance of the sandbox bank Lambda: its own store client, the table shared with every other. */
const instance = (callLeaseMs = 30_000): SandboxBank =>
  sandboxBank({
    store: dynamodbSandboxBankStore(TABLE),
    latency: { min: 0, max: 0 },
    hangMs: 2_000,
    slowAnswerMs: SLOW_MS,
    callLeaseMs,
  });

const charge = (bank: SandboxBank, key: string, source = 'tok_success') =>
  bank({
    method: 'POST',
    path: '/v1/charges',
    query: new URLSearchParams(),
    idempotencyKey: key,
    body: JSON.stringify({ source, amount: '10.00', currency: 'EUR', reference: key }),
  });

const refund = (bank: SandboxBank, chargeId: string, key: string) =>
  bank({
    method: 'POST',
    path: `/v1/charges/${chargeId}/refunds`,
    query: new URLSearchParams(),
    idempotencyKey: key,
    body: JSON.stringify({ amount: '4.00' }),
  });

const lookup = (bank: SandboxBank, key: string) =>
  bank({
    method: 'GET',
    path: '/v1/charges',
    query: new URLSearchParams({ idempotency_key: key }),
    body: '',
  });

describe('the sandbox bank on DynamoDB, across instances', () => {
  it('answers a replay on another instance with the first answer: one charge', async () => {
    const key = randomUUID();
    const first = await charge(instance(), key);
    expect(first.status).toBe(201);
    expect(await charge(instance(), key)).toEqual(first);
    const found = (await lookup(instance(), key)).body as { charges: { id: string; status: string }[] };
    expect(found.charges).toEqual([
      expect.objectContaining({ id: (first.body as { chargeId: string }).chargeId, status: 'approved' }),
    ]);
  });

  it('runs concurrent first calls with one key once: the others answer 409 while it is in flight', async () => {
    const key = randomUUID();
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => charge(instance(), key, 'tok_slow_answer')),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 409, 409, 409]);
    expect(answers.find((answer) => answer.status === 409)?.body).toEqual({
      error: 'idempotency_key_in_use',
    });
  });

  it('reports a charge still running as pending to a lookup on another instance', async () => {
    const key = randomUUID();
    const running = charge(instance(), key, 'tok_slow_answer');
    await new Promise((resolve) => setTimeout(resolve, SLOW_MS / 3));
    expect((await lookup(instance(), key)).body).toEqual({ charges: [{ status: 'pending' }] });
    expect((await running).status).toBe(201);
  });

  it('keeps no error as an answer: the next call with the key runs again', async () => {
    const key = randomUUID();
    expect((await charge(instance(), key, 'tok_bank_error')).status).toBe(500);
    expect((await charge(instance(), key, 'tok_bank_error')).status).toBe(500);
    expect((await lookup(instance(), key)).body).toEqual({ charges: [] });
  });

  it('finds a declined charge by its key, and refunds only approved ones', async () => {
    const key = randomUUID();
    expect((await charge(instance(), key, 'tok_decline')).status).toBe(402);
    const { charges } = (await lookup(instance(), key)).body as { charges: { id: string }[] };
    expect(charges).toEqual([expect.objectContaining({ status: 'declined', reason: 'card_declined' })]);
    expect((await refund(instance(), charges[0]!.id, randomUUID())).status).toBe(404);
  });

  it('refunds a charge made on another instance, once per refund key', async () => {
    const { chargeId } = (await charge(instance(), randomUUID())).body as { chargeId: string };
    const refundKey = randomUUID();
    const refunded = await refund(instance(), chargeId, refundKey);
    expect(refunded).toEqual({ status: 201, body: { status: 'refunded', refundId: expect.any(String) } });
    expect(await refund(instance(), chargeId, refundKey)).toEqual(refunded);
  });

  it('frees the key of a call whose instance died once its lease has passed', async () => {
    const key = randomUUID();
    const store = dynamodbSandboxBankStore(TABLE);
    // Started, never finished: the instance running it was killed.
    expect((await store.startCall(`charge:${key}`, 300)).kind).toBe('started');
    expect((await charge(instance(300), key)).status).toBe(409);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await charge(instance(300), key)).status).toBe(201);
  });
});

const lookupRefund = (bank: SandboxBank, key: string) =>
  bank({
    method: 'GET',
    path: '/v1/refunds',
    query: new URLSearchParams({ idempotency_key: key }),
    body: '',
  });

describe('refund lookups on the sandbox bank on DynamoDB, across instances', () => {
  it('finds a refund by its key on another instance: executed, rejected, or never made', async () => {
    const { chargeId } = (await charge(instance(), randomUUID())).body as { chargeId: string };
    const executed = randomUUID();
    const { refundId } = (await refund(instance(), chargeId, executed)).body as { refundId: string };
    const rejectedOf = (
      (await charge(instance(), randomUUID(), 'tok_refund_rejected')).body as { chargeId: string }
    ).chargeId;
    const rejected = randomUUID();
    expect((await refund(instance(), rejectedOf, rejected)).status).toBe(422);

    expect((await lookupRefund(instance(), executed)).body).toEqual({
      refunds: [expect.objectContaining({ id: refundId, status: 'refunded' })],
    });
    expect((await lookupRefund(instance(), rejected)).body).toEqual({
      refunds: [expect.objectContaining({ status: 'rejected', reason: 'refund_rejected' })],
    });
    expect((await lookupRefund(instance(), randomUUID())).body).toEqual({ refunds: [] });
  });
});

describe('the sandbox-bank function behind its function URL', () => {
  it('answers the contract to a function URL event (payload format 2.0), base64 bodies included', async () => {
    const handler = await loadHandler('sandbox-bank');
    const key = randomUUID();
    const event = {
      version: '2.0',
      rawPath: '/v1/charges',
      rawQueryString: '',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      requestContext: { http: { method: 'POST', path: '/v1/charges' } },
      body: Buffer.from(
        JSON.stringify({ source: 'tok_insufficient_funds', amount: '5.00', currency: 'EUR' }),
      ).toString('base64'),
      isBase64Encoded: true,
    };
    const answer = await invokeFunction(handler, 'sandbox-bank', event, 30);
    expect(answer).toEqual({
      statusCode: 422,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'declined', reason: 'insufficient_funds' }),
    });
    const looked = await invokeFunction(
      handler,
      'sandbox-bank',
      {
        ...event,
        rawQueryString: `idempotency_key=${key}`,
        headers: {},
        requestContext: { http: { method: 'GET', path: '/v1/charges' } },
        body: undefined,
        isBase64Encoded: false,
      },
      30,
    );
    expect(JSON.parse((looked as { body: string }).body).charges[0].reason).toBe('insufficient_funds');
  });
});
