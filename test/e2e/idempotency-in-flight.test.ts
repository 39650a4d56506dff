import { createHash, randomUUID } from 'node:crypto';
import { PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { COORDINATION_TABLE } from '../../lambdas/core/config/coordination-table';
import { idempotencyScope, requestFingerprint } from '../../lambdas/core/http/idempotency';
import { localDynamoClient } from '../../localstack/src/engines/dynamodb';
import { callApi, merchant, validPayment } from '../support/api-client';
import { testDatabase } from '../support/database';
import { localEndpoints } from '../support/local-stack';

const db = testDatabase();
const endpoints = localEndpoints();

/** How Powertools hashes what it selects from the payload: base64 MD5 of its JSON. */
function powertoolsHash(selected: string): string {
  return createHash('md5').update(JSON.stringify(selected)).digest('base64');
}

/** The record key Powertools derives: `<prefix>#` + the hash of the selected scope. */
function idempotencyRecordId(operation: string, scope: string): string {
  return `${operation}#${powertoolsHash(scope)}`;
}

describe('a request whose first attempt is still running', () => {
  it('answers 409, safe to retry, while the first attempt holds the key', async () => {
    const key = randomUUID();
    // Exactly the record a create still in flight holds: in progress, its window open for another minute.
    await localDynamoClient(endpoints.dynamodbEndpoint).send(
      new PutItemCommand({
        TableName: endpoints.coordinationTable,
        Item: {
          [COORDINATION_TABLE.partitionKey]: {
            S: idempotencyRecordId(
              'create-payment',
              idempotencyScope({ merchantId: merchant('acme').id, mode: 'test' }, key),
            ),
          },
          status: { S: 'INPROGRESS' },
          expiration: { N: String(Math.floor(Date.now() / 1000) + 3600) },
          in_progress_expiration: { N: String(Date.now() + 60_000) },
          // The same body's fingerprint, as Powertools stores it for payload validation.
          validation: { S: powertoolsHash(requestFingerprint(validPayment())) },
        },
      }),
    );
    const response = await callApi('/v1/payments', { body: validPayment(), idempotencyKey: key });
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('idempotency_in_progress');
    const rows = await db.query('SELECT count(*)::int AS n FROM payments WHERE idempotency_key = $1', [key]);
    expect(rows.rows[0].n).toBe(0);
  });
});

describe('a create that dies after the database commit', () => {
  it('returns the same payment when the client retries with the same key', async () => {
    const key = randomUUID();
    const first = await callApi('/v1/payments', { body: validPayment(), idempotencyKey: key });
    expect(first.status).toBe(202);

    // Leave the idempotency record as a Lambda killed after COMMIT leaves it: still in progress, its
    // in-progress window expired, no stored response. Only the PostgreSQL backstop can recognise the retry.
    await localDynamoClient(endpoints.dynamodbEndpoint).send(
      new UpdateItemCommand({
        TableName: endpoints.coordinationTable,
        Key: {
          [COORDINATION_TABLE.partitionKey]: {
            S: idempotencyRecordId(
              'create-payment',
              idempotencyScope({ merchantId: merchant('acme').id, mode: 'test' }, key),
            ),
          },
        },
        ConditionExpression: 'attribute_exists(#id)',
        UpdateExpression: 'SET #status = :inProgress, #inProgressExpiry = :past REMOVE #data',
        ExpressionAttributeNames: {
          '#id': COORDINATION_TABLE.partitionKey,
          '#status': 'status',
          '#inProgressExpiry': 'in_progress_expiration',
          '#data': 'data',
        },
        ExpressionAttributeValues: {
          ':inProgress': { S: 'INPROGRESS' },
          ':past': { N: String(Date.now() - 1_000) },
        },
      }),
    );

    const retry = await callApi('/v1/payments', { body: validPayment(), idempotencyKey: key });
    expect(retry.status).toBe(202);
    expect(retry.body.id).toBe(first.body.id);
    const rows = await db.query('SELECT count(*)::int AS n FROM payments WHERE idempotency_key = $1', [key]);
    expect(rows.rows[0].n).toBe(1);
  });
});
