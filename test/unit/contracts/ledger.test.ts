import { ledgerContract } from '../../contracts/ledger.contract';
import { inMemoryLedger } from '../../support/in-memory-ledger';

/** The in-memory ledger the use-case tests run on, held to the PostgreSQL adapter's contract. */
ledgerContract('in memory', async (work) => {
  const { ledger, frozen } = inMemoryLedger();
  await work({
    ledger,
    freeze: async (merchantId, reason) => {
      frozen.set(merchantId, reason);
    },
  });
});
