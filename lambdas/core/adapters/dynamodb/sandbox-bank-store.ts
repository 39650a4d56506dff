import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ENV } from '../../config/environment';
import { ConfigurationError } from '../../config/errors';
import { SANDBOX_BANK_TABLE } from '../../config/sandbox-bank';
import { setting } from '../../config/settings';
import type {
  CallStart,
  SandboxAnswer,
  SandboxBankStore,
  SandboxCharge,
  SandboxRefund,
} from '../../sandbox-bank/store';
import { dynamodbClientConfig } from './coordination-table';

const { partitionKey: PK, ttlAttribute: TTL } = SANDBOX_BANK_TABLE;

/** Ignores the refusal of a conditional write: someone else's state is not ours to change. */
async function unlessConditionFails(write: Promise<unknown>): Promise<void> {
  try {
    await write;
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

/**
 * The sandbox bank's books in DynamoDB (its own table, SANDBOX_BANK_TABLE_NAME), shared by every instance of
 * the sandbox bank Lambda. One item per call (`call#<kind>:<key>`), per charge by idempotency key
 * (`charge-key#…`) and by id (`charge#…`), per refund by idempotency key (`refund-key#…`), each expiring after
 * SANDBOX_BANK_TABLE.keepForSeconds. A call starts with a conditional put, so of two instances that receive the
 * same key at once one runs it and the other answers 409; its answer is written only by the holder of its token.
 * Reads are strongly consistent: a replay right after the first answer must see it.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html
 */
export function dynamodbSandboxBankStore(
  tableName = setting(ENV.sandboxBankTable),
  client = DynamoDBDocumentClient.from(new DynamoDBClient(dynamodbClientConfig())),
): SandboxBankStore {
  if (!tableName) throw new ConfigurationError(`${ENV.sandboxBankTable} is not set`);
  const expiresAt = () => Math.floor(Date.now() / 1000) + SANDBOX_BANK_TABLE.keepForSeconds;
  const get = async (key: string) =>
    (await client.send(new GetCommand({ TableName: tableName, Key: { [PK]: key }, ConsistentRead: true })))
      .Item;
  const callItem = (key: string) => `call#${key}`;

  return {
    async startCall(key, leaseMs): Promise<CallStart> {
      const token = randomUUID();
      const now = Date.now();
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: { [PK]: callItem(key), state: 'running', token, until: now + leaseMs, [TTL]: expiresAt() },
            ConditionExpression: 'attribute_not_exists(#pk) OR (#state = :running AND #until <= :now)',
            ExpressionAttributeNames: { '#pk': PK, '#state': 'state', '#until': 'until' },
            ExpressionAttributeValues: { ':running': 'running', ':now': now },
          }),
        );
        return { kind: 'started', token };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
      const call = await get(callItem(key));
      if (call?.state === 'answered') return { kind: 'answered', answer: JSON.parse(call.answer as string) };
      // Running, or ended without an answer a moment ago: either way the caller tries again later.
      return { kind: 'in_flight' };
    },

    async finishCall(key, token, answer: SandboxAnswer | undefined) {
      const ours = {
        ConditionExpression: '#token = :token',
        ExpressionAttributeNames: { '#token': 'token' },
      };
      if (!answer) {
        await unlessConditionFails(
          client.send(
            new DeleteCommand({
              TableName: tableName,
              Key: { [PK]: callItem(key) },
              ...ours,
              ExpressionAttributeValues: { ':token': token },
            }),
          ),
        );
        return;
      }
      await unlessConditionFails(
        client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { [PK]: callItem(key) },
            UpdateExpression: 'SET #state = :answered, answer = :answer REMOVE #until',
            ...ours,
            ExpressionAttributeNames: {
              ...ours.ExpressionAttributeNames,
              '#state': 'state',
              '#until': 'until',
            },
            ExpressionAttributeValues: {
              ':token': token,
              ':answered': 'answered',
              ':answer': JSON.stringify(answer),
            },
          }),
        ),
      );
    },

    async callInFlight(key) {
      const call = await get(callItem(key));
      return call?.state === 'running' && Number(call.until) > Date.now();
    },

    async saveCharge(charge: SandboxCharge) {
      const item = { charge: JSON.stringify(charge), [TTL]: expiresAt() };
      await client.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: tableName, Item: { [PK]: `charge-key#${charge.idempotencyKey}`, ...item } } },
            { Put: { TableName: tableName, Item: { [PK]: `charge#${charge.id}`, ...item } } },
          ],
        }),
      );
    },

    async chargeByKey(idempotencyKey) {
      const item = await get(`charge-key#${idempotencyKey}`);
      return item ? (JSON.parse(item.charge as string) as SandboxCharge) : undefined;
    },

    async chargeById(id) {
      const item = await get(`charge#${id}`);
      return item ? (JSON.parse(item.charge as string) as SandboxCharge) : undefined;
    },

    async saveRefund(refund: SandboxRefund) {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            [PK]: `refund-key#${refund.idempotencyKey}`,
            refund: JSON.stringify(refund),
            [TTL]: expiresAt(),
          },
        }),
      );
    },

    async refundByKey(idempotencyKey) {
      const item = await get(`refund-key#${idempotencyKey}`);
      return item ? (JSON.parse(item.refund as string) as SandboxRefund) : undefined;
    },
  };
}
