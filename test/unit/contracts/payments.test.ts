import { paymentLifecycleContract } from '../../contracts/payment-lifecycle.contract';
import type { WithPaymentPorts } from '../../contracts/payment-ports';
import { paymentStoreContract } from '../../contracts/payment-store.contract';
import { refundExecutionsContract } from '../../contracts/refund-executions.contract';
import { refundStoreContract } from '../../contracts/refund-store.contract';
import { inMemoryPayments } from '../../support/in-memory-payments';

/** The in-memory payments the use-case tests run on, held to the PostgreSQL adapters' contract. */
const withPorts: WithPaymentPorts = async (work) => {
  const { store, lifecycle, executions } = inMemoryPayments(() => new Date());
  await work({ store, refunds: store, lifecycle, executions, merchantId: 'mer_contract' });
};

paymentStoreContract('in memory', withPorts);
refundStoreContract('in memory', withPorts);
paymentLifecycleContract('in memory', withPorts);
refundExecutionsContract('in memory', withPorts);
