import { randomBytes, randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONSUMERS } from '../../../lambdas/core/config/messaging';
import { createEvent } from '../../../lambdas/core/domain/events';
import { messageIdOf } from '../../../lambdas/core/use-cases/send-receipt';
import { LOCAL_STACK_ENV } from '../../../localstack/src/settings';
import { handlerEnvironment } from '../../../localstack/src/stack';
import { createTestMerchant, testDatabase } from '../../support/database';
import { eventually } from '../../support/eventually';
import { authorizerEvent, proxyEvent } from '../../support/gateway-events';
import { localEndpoints } from '../../support/local-stack';
import { messagesTo } from '../../support/mail';
import { mskEventCarrying } from '../../support/msk-events';
import type { InvocationOutcome } from '../../support/traced-function-host';
import { type Telemetry, tracedFunctions } from '../../support/traced-functions';
import { deliveriesTo } from '../../support/webhooks';

const db = testDatabase();
const endpoints = localEndpoints();

/** Every Powertools switch that makes the functions say more: all levels, and the event of each invocation. */
const VERBOSE = { POWERTOOLS_LOG_LEVEL: 'DEBUG', POWERTOOLS_LOGGER_LOG_EVENT: 'true' };

function apiEvent(
  merchant: { id: string; apiKey: string },
  request: { method: string; path: string; pathParameters?: Record<string, string>; body?: unknown },
): APIGatewayProxyEvent {
  return proxyEvent({
    method: request.method,
    path: request.path,
    pathParameters: request.pathParameters ?? null,
    headers: { Authorization: `Bearer ${merchant.apiKey}`, 'Idempotency-Key': randomUUID() },
    body: request.body ?? null,
    requestId: randomUUID(),
    authorizer: { principalId: merchant.id, merchantId: merchant.id, mode: 'test' },
  });
}

const authorizerEventFor = (apiKey: string) => authorizerEvent({ Authorization: `Bearer ${apiKey}` });

/** What an invocation returned; a failed one fails the test with its error. */
function resultOf<T>(outcome: InvocationOutcome): T {
  if ('error' in outcome) throw new Error(`the invocation failed: ${outcome.error}`);
  return outcome.result as T;
}

/** The named values that occur in the logs or the X-Ray documents. */
function leaked(telemetry: Telemetry, secrets: Record<string, string>): string[] {
  const everything = [telemetry.logs, ...telemetry.segments].join('\n');
  return Object.entries(secrets)
    .filter(([, value]) => everything.includes(value))
    .map(([name]) => name);
}

/** Each function role's database URL, as the local stack hands them to the functions. */
function functionRoleUrls(environment: Record<string, string>): Record<string, string> {
  return JSON.parse(environment[LOCAL_STACK_ENV.functionDatabaseUrls] ?? '{}') as Record<string, string>;
}

describe('what the functions log and trace', () => {
  const customer = `jane.roe.${randomBytes(4).toString('hex')}@example.com`;
  const reference = `order for Jane Roe ${randomBytes(4).toString('hex')}`;
  const unknownKey = `sk_live_${randomBytes(32).toString('base64url')}`;
  let merchant: Awaited<ReturnType<typeof createTestMerchant>>;

  beforeAll(async () => {
    merchant = await createTestMerchant(db);
  });

  it('holds no API key, webhook secret, customer e-mail, payment metadata or database password', async () => {
    const environment = handlerEnvironment(endpoints);
    const functions = await tracedFunctions({ ...environment, ...VERBOSE });

    const registered = await functions.invoke('create-merchant', { name: 'Telemetry test merchant' });
    const newKeys = resultOf<{ apiKeys: { test: string; live: string } }>(registered).apiKeys;
    const newKey = newKeys.test;
    expect(newKey).toMatch(/^sk_test_/);
    expect(await functions.invoke('authorizer', authorizerEventFor(newKey))).toHaveProperty('result');
    expect(await functions.invoke('authorizer', authorizerEventFor(unknownKey))).toMatchObject({
      result: { policyDocument: { Statement: [{ Effect: 'Deny' }] } },
    });

    const paymentRequest = {
      amount: '12.50',
      currency: 'USD',
      source: 'tok_success',
      customer,
      metadata: { reference },
    };
    const created = await functions.invoke(
      'create-payment',
      apiEvent(merchant, { method: 'POST', path: '/v1/payments', body: paymentRequest }),
    );
    const createdResponse = resultOf<{ statusCode: number; body: string }>(created);
    expect(createdResponse.statusCode).toBe(202);
    const payment = JSON.parse(createdResponse.body) as { id: string; customer: string };
    expect(payment.customer).toBe(customer);
    const rejected = await functions.invoke(
      'create-payment',
      apiEvent(merchant, {
        method: 'POST',
        path: '/v1/payments',
        body: { ...paymentRequest, amount: 'ten' },
      }),
    );
    expect(rejected).toMatchObject({ result: { statusCode: 400 } });
    expect(
      await functions.invoke(
        'get-payment',
        apiEvent(merchant, {
          method: 'GET',
          path: `/v1/payments/${payment.id}`,
          pathParameters: { id: payment.id },
        }),
      ),
    ).toMatchObject({ result: { statusCode: 200 } });
    expect(
      await functions.invoke('list-payments', apiEvent(merchant, { method: 'GET', path: '/v1/payments' })),
    ).toMatchObject({ result: { statusCode: 200 } });

    // A receipt to the merchant's endpoint, signed with its webhook secret, carrying the customer's e-mail.
    const succeeded = createEvent(
      'payment.succeeded',
      { paymentId: randomUUID(), merchantId: merchant.id, mode: 'test' },
      {
        amount: '12.50',
        currency: 'USD',
        status: 'SUCCESS',
        source: 'tok_success',
        customer,
        metadata: { reference },
      },
      new Date(),
    );
    expect(
      await functions.invoke('notifier', mskEventCarrying(CONSUMERS.notifier.topic, succeeded)),
    ).toHaveProperty('result');
    await eventually(
      () => deliveriesTo(merchant.id),
      (deliveries) => deliveries.some((delivery) => delivery.rawBody.includes(succeeded.eventId)),
    );
    // A receipt to the customer, by e-mail: the address goes to the mail server, never to the logs.
    await db.query('UPDATE merchants SET customer_receipts = true WHERE id = $1', [merchant.id]);
    const receipt = createEvent(
      'payment.succeeded',
      { paymentId: payment.id, merchantId: merchant.id, mode: 'test' },
      { amount: '12.50', currency: 'USD', status: 'SUCCESS', source: 'tok_success', customer, metadata: {} },
      new Date(),
    );
    expect(
      await functions.invoke('receipts', mskEventCarrying(CONSUMERS.receipts.topic, receipt)),
    ).toHaveProperty('result');
    // The stack's own receipts consumer may also send one, for the payment's real SUCCESS, once the merchant
    // opted in: this event's receipt is the one with its Message-ID.
    const sent = await messagesTo(customer);
    expect(sent.filter((message) => message.messageId === messageIdOf(receipt))).toHaveLength(1);
    const telemetry = await functions.stop();

    // The capture works: each function traced its invocation and logged.
    for (const name of [
      'create-merchant',
      'authorizer',
      'create-payment',
      'get-payment',
      'list-payments',
      'notifier',
      'receipts',
    ])
      expect(telemetry.segments.some((segment) => segment.includes(`## ${name}.handler`))).toBe(true);
    expect(telemetry.logs).toContain('merchant registered');
    expect(telemetry.logs).toContain('rejected an API key');

    const roleUrls = functionRoleUrls(environment);
    expect(
      leaked(telemetry, {
        'the new test API key': newKey,
        'the new live API key': newKeys.live,
        "the merchant's API key": merchant.apiKey,
        'the unknown API key': unknownKey,
        'the webhook secret': merchant.webhookSecret,
        "the customer's e-mail": customer,
        'the payment metadata': reference,
        ...Object.fromEntries(
          Object.entries(roleUrls).flatMap(([role, url]) => [
            [`the ${role} database URL`, url],
            [`the ${role} database password`, `:${new URL(url).password}@`],
          ]),
        ),
      }),
    ).toEqual([]);
  }, 120_000);

  it('holds no database password when the database refuses it', async () => {
    const password = `pw-${randomBytes(12).toString('hex')}`;
    const environment = handlerEnvironment(endpoints);
    const wrongPasswords = Object.fromEntries(
      Object.entries(functionRoleUrls(environment)).map(([role, url]) => {
        const withWrongPassword = new URL(url);
        withWrongPassword.password = password;
        return [role, withWrongPassword.toString()];
      }),
    );
    const functions = await tracedFunctions({
      ...environment,
      ...VERBOSE,
      [LOCAL_STACK_ENV.functionDatabaseUrls]: JSON.stringify(wrongPasswords),
    });
    // Whether the server checks passwords or trusts local connections, each function gets an answer.
    await functions.invoke('create-merchant', { name: 'Telemetry test merchant' });
    await functions.invoke('authorizer', authorizerEventFor(merchant.apiKey));
    await functions.invoke('list-payments', apiEvent(merchant, { method: 'GET', path: '/v1/payments' }));
    const telemetry = await functions.stop();

    expect(telemetry.segments.some((segment) => segment.includes('## authorizer.handler'))).toBe(true);
    expect(leaked(telemetry, { 'the database password': password })).toEqual([]);
  }, 120_000);
});
