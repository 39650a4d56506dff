/** GET /v1/balance — what the ledger says ASPay owes the calling merchant in its key's mode, per currency. */
import { databasePool } from '../core/adapters/postgres/connection';
import { postgresLedger } from '../core/adapters/postgres/ledger';
import { isLivemode } from '../core/domain/mode';
import { apiHandler, authenticatedMerchant } from '../core/http/api-handler';
import { balanceRepresentation } from '../core/http/representations';
import { merchantRateLimit } from '../core/wiring/rate-limit';

export const handler = apiHandler(
  async (_request, event) => {
    const scope = authenticatedMerchant(event);
    const balances = await postgresLedger(await databasePool()).balances(scope);
    return {
      statusCode: 200,
      body: {
        object: 'balance',
        merchantId: scope.merchantId,
        livemode: isLivemode(scope.mode),
        payable: balances.map(balanceRepresentation),
      },
    };
  },
  { rateLimit: merchantRateLimit() },
);
