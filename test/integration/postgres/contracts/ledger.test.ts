import { postgresLedger } from '../../../../lambdas/core/adapters/postgres/ledger';
import { ledgerContract } from '../../../contracts/ledger.contract';
import { testDatabase, withRolledBackPool } from '../../../support/database';

const db = testDatabase();

/** The PostgreSQL adapter, each test in a transaction rolled back: the ledger invariants other tests check hold. */
ledgerContract('PostgreSQL', (work) =>
  withRolledBackPool(db, (pool) =>
    work({
      ledger: postgresLedger(pool),
      freeze: async (merchantId, reason) => {
        await pool.query('INSERT INTO ledger.frozen_merchants (merchant_id, reason) VALUES ($1, $2)', [
          merchantId,
          reason,
        ]);
      },
    }),
  ),
);
