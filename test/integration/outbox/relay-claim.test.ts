import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prefillInitiatedPayments } from '../../../bench/alone';
import { createScratchDatabase, type ScratchDatabase } from '../../../bench/scratch';
import { postgresOutbox } from '../../../lambdas/core/adapters/postgres/outbox';
import { createPool } from '../../../lambdas/core/adapters/postgres/pool';
import type { ClaimedOutboxBatch } from '../../../lambdas/core/use-cases/ports/outbox';
import { localEndpoints } from '../../support/local-stack';

// A database of its own: the stack's running relay would otherwise claim these events first.
let scratch: ScratchDatabase;
let pool: ReturnType<typeof createPool>;

beforeAll(async () => {
  const endpoints = localEndpoints();
  scratch = await createScratchDatabase(endpoints, 'claim_test');
  pool = createPool(scratch.url, { max: 3 });
  await prefillInitiatedPayments(pool, 3, endpoints.merchants[0]?.id ?? '');
}, 60_000);

afterAll(async () => {
  await pool?.end();
  await scratch?.drop();
});

describe('a relay claim', () => {
  it('skips the payments other claims hold and claims the next ones, instead of coming back empty', async () => {
    const { rows } = await pool.query<{ aggregate_id: string }>(
      'SELECT aggregate_id FROM outbox ORDER BY id',
    );
    const payments = rows.map((row) => row.aggregate_id);
    const relay = postgresOutbox(pool);
    const otherRelay = postgresOutbox(pool);
    const claims: ClaimedOutboxBatch[] = [];
    try {
      claims.push(await relay.claim(1));
      // Another relay (its own locks), then the same relay's next claim (made while the first is open).
      claims.push(await otherRelay.claim(1));
      claims.push(await relay.claim(1));

      expect(claims.map((claim) => claim.events.map((event) => event.key))).toEqual(
        payments.map((payment) => [payment]),
      );
    } finally {
      for (const claim of claims) await claim.release();
    }
  });
});
