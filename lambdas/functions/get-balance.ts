/** GET /v1/balance — what the ledger says ASPay owes the calling merchant, per currency. */
import { databasePool } from '../core/adapters/postgres/connection';
import { postgresLedger } from '../core/adapters/postgres/ledger-store';
import { formatAmount, moneyFromStored } from '../core/domain/money';
import { authenticatedMerchant } from '../core/http/api-handler';
import { merchantApiHandler } from '../core/http/merchant-api-handler';

export const handler = merchantApiHandler(async (_request, event) => {
  const merchantId = authenticatedMerchant(event);
  const balances = await postgresLedger(await databasePool()).balances(merchantId);
  return {
    statusCode: 200,
    body: {
      object: 'balance',
      merchantId,
      payable: balances.map(({ currency, balance }) => ({
        currency,
        amount: formatAmount(moneyFromStored(balance, currency)),
      })),
    },
  };
});
