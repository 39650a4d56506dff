import { beforeAll } from 'vitest';
import { postgresPaymentLifecycle } from '../../../../lambdas/core/adapters/postgres/payment-lifecycle';
import { postgresPaymentStore } from '../../../../lambdas/core/adapters/postgres/payment-store';
import { postgresRefundExecutions } from '../../../../lambdas/core/adapters/postgres/refund-executions';
import { postgresRefundStore } from '../../../../lambdas/core/adapters/postgres/refund-store';
import { paymentLifecycleContract } from '../../../contracts/payment-lifecycle.contract';
import type { WithPaymentPorts } from '../../../contracts/payment-ports';
import { paymentStoreContract } from '../../../contracts/payment-store.contract';
import { refundExecutionsContract } from '../../../contracts/refund-executions.contract';
import { refundStoreContract } from '../../../contracts/refund-store.contract';
import { createTestMerchant, testDatabase, withRolledBackPool } from '../../../support/database';

const db = testDatabase();
let merchantId = '';
beforeAll(async () => {
  merchantId = (await createTestMerchant(db)).id;
});

/** The PostgreSQL adapters, each test in a transaction rolled back: the background processing sees nothing. */
const withPorts: WithPaymentPorts = (work) =>
  withRolledBackPool(db, (pool) =>
    work({
      store: postgresPaymentStore(pool),
      refunds: postgresRefundStore(pool),
      lifecycle: postgresPaymentLifecycle(pool),
      executions: postgresRefundExecutions(pool),
      merchantId,
    }),
  );

paymentStoreContract('PostgreSQL', withPorts);
refundStoreContract('PostgreSQL', withPorts);
paymentLifecycleContract('PostgreSQL', withPorts);
refundExecutionsContract('PostgreSQL', withPorts);
