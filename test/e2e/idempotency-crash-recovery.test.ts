import { createHash, randomUUID } from 'node:crypto';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { IDEMPOTENCY_TABLE } from '../../lambdas/core/config/idempotency';
import { localDynamoClient } from '../../localstack/src/engines/dynamodb';
import { callApi, merchant, validPayment } from '../support/api-client';
import { testDatabase } from '../support/database';
import { localEndpoints } from '../support/local-stack';

const db = testDatabase();
const endpoints = localEndpoints();

/** The record key Powertools derives: `<prefix>#` + base64 MD5 of the JSON of the selected scope. */
function idempotencyRecordId(operation: string, scope: string): string {
  return `${operation}#${createHash('md5').update(JSON.stringify(scope)).digest('base64')}`;
}

describe('a create that dies after the database commit', () => {
  it('returns the same payment when the client retries with the same key', async () => {
    const key = randomUUID();
    const first = await callApi('/v1/payments', { body: validPayment(), idempotencyKey: key });
    expect(first.status).toBe(202);

    // Leave the idempotency record as a Lambda killed after COMMIT leaves it: still in progress, its
    // in-progress window expired, no stored response. Only the PostgreSQL backstop can recognise the retry.
    await localDynamoClient(endpoints.dynamodbEndpoint).send(
      new UpdateItemCommand({
        TableName: endpoints.idempotencyTable,
        Key: {
          [IDEMPOTENCY_TABLE.partitionKey]: {
            S: idempotencyRecordId('create-payment', `${merchant('acme').id}#${key}`),
          },
        },
        ConditionExpression: 'attribute_exists(#id)',
        UpdateExpression: 'SET #status = :inProgress, #inProgressExpiry = :past REMOVE #data',
        ExpressionAttributeNames: {
          '#id': IDEMPOTENCY_TABLE.partitionKey,
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
