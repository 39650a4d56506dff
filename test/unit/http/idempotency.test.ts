import {
  IdempotencyItemAlreadyExistsError,
  IdempotencyItemNotFoundError,
} from '@aws-lambda-powertools/idempotency';
import { BasePersistenceLayer, type IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';
import { describe, expect, it } from 'vitest';
import type { ApiRequest } from '../../../lambdas/core/http/api-handler';
import { DependencyUnavailableError, IdempotencyKeyMissingError } from '../../../lambdas/core/http/errors';
import {
  idempotencyKeyOf,
  idempotentResponder,
  requestFingerprint,
} from '../../../lambdas/core/http/idempotency';
import type { MerchantScope } from '../../../lambdas/core/use-cases/ports/merchants';
import { lambdaContext } from '../../../localstack/src/lambda-runtime';

const withHeaders = (headers: Record<string, string>) => ({ headers }) as unknown as ApiRequest;

describe('requestFingerprint', () => {
  it('is the same for the same request whatever the key order', () => {
    expect(requestFingerprint({ amount: '1.00', currency: 'USD', metadata: { b: '2', a: '1' } })).toBe(
      requestFingerprint({ metadata: { a: '1', b: '2' }, currency: 'USD', amount: '1.00' }),
    );
  });

  it('differs when any value differs', () => {
    expect(requestFingerprint({ amount: '1.00' })).not.toBe(requestFingerprint({ amount: '1.0' }));
    expect(requestFingerprint({ list: ['a', 'b'] })).not.toBe(requestFingerprint({ list: ['b', 'a'] }));
  });
});

describe('idempotencyKeyOf', () => {
  it('reads X-Idempotency-Key, or Idempotency-Key', () => {
    expect(idempotencyKeyOf(withHeaders({ 'x-idempotency-key': 'order-1' }))).toBe('order-1');
    expect(idempotencyKeyOf(withHeaders({ 'idempotency-key': 'order-2' }))).toBe('order-2');
  });

  it.each([
    ['missing', {}],
    ['empty', { 'x-idempotency-key': '' }],
    ['with spaces', { 'x-idempotency-key': 'order 1' }],
    ['longer than 255 characters', { 'x-idempotency-key': 'k'.repeat(256) }],
  ])('refuses a key that is %s', (_, headers) => {
    expect(() => idempotencyKeyOf(withHeaders(headers))).toThrow(IdempotencyKeyMissingError);
  });
});

/** Idempotency records in memory, with DynamoDB's conditional put: a second in-progress or completed record for a key is refused. */
class InMemoryPersistence extends BasePersistenceLayer {
  readonly records = new Map<string, IdempotencyRecord>();

  protected async _getRecord(key: string): Promise<IdempotencyRecord> {
    const record = this.records.get(key);
    if (!record) throw new IdempotencyItemNotFoundError();
    return record;
  }

  protected async _putRecord(record: IdempotencyRecord): Promise<void> {
    const existing = this.records.get(record.idempotencyKey);
    if (existing && !existing.isExpired()) throw new IdempotencyItemAlreadyExistsError('exists', existing);
    this.records.set(record.idempotencyKey, record);
  }

  protected async _updateRecord(record: IdempotencyRecord): Promise<void> {
    this.records.set(record.idempotencyKey, record);
  }

  protected async _deleteRecord(record: IdempotencyRecord): Promise<void> {
    this.records.delete(record.idempotencyKey);
  }
}

describe('idempotentResponder', () => {
  const inMode = (mode: 'test' | 'live') =>
    ({
      headers: {},
      scope: { merchantId: 'mer_1', mode },
      context: lambdaContext('create-payment'),
    }) as unknown as ApiRequest & { scope: MerchantScope };
  const request = inMode('test');
  const created = { statusCode: 202, body: { id: 'pay_1' } };

  it('keeps no record of a request that failed because the database was away, so its retry runs', async () => {
    const persistenceStore = new InMemoryPersistence();
    const respond = idempotentResponder({ persistenceStore, operation: 'create-payment' });
    const outage = new DependencyUnavailableError('database', { cause: new Error('ECONNREFUSED') });

    await expect(
      respond(request, 'order-1', 'fp', async () => {
        throw outage;
      }),
    ).rejects.toBe(outage);
    expect(persistenceStore.records.size).toBe(0);

    let runs = 0;
    const retry = await respond(request, 'order-1', 'fp', async () => {
      runs += 1;
      return created;
    });
    expect(runs).toBe(1);
    expect(retry).toEqual(created);

    const replay = await respond(request, 'order-1', 'fp', async () => {
      runs += 1;
      return created;
    });
    expect(runs).toBe(1);
    expect(replay.headers?.['idempotent-replayed']).toBe('true');
  });

  it('scopes a key per mode: the same key in test and in live runs once in each', async () => {
    const respond = idempotentResponder({
      persistenceStore: new InMemoryPersistence(),
      operation: 'create-payment',
    });
    let runs = 0;
    const execute = async () => {
      runs += 1;
      return created;
    };

    await respond(inMode('test'), 'order-1', 'fp', execute);
    const live = await respond(inMode('live'), 'order-1', 'fp', execute);
    const liveAgain = await respond(inMode('live'), 'order-1', 'fp', execute);

    expect(runs).toBe(2);
    expect(live.headers?.['idempotent-replayed']).toBeUndefined();
    expect(liveAgain.headers?.['idempotent-replayed']).toBe('true');
  });
});
