import { dynamodbRequestRateLimiter } from '../adapters/dynamodb/request-rate-limiter';
import { merchantRequestRate } from '../config/rate-limits';
import { requestAllowance } from '../use-cases/request-allowance';
import { apiHandler, type MerchantRateLimit } from './api-handler';

/**
 * apiHandler for the routes behind the merchant authorizer: each merchant's requests draw on its shared
 * request rate (config/rate-limits.ts), in small takes held per instance (use-cases/request-allowance.ts).
 * Only these functions reach the rate limiter's table.
 */
export function merchantApiHandler(
  handle: Parameters<typeof apiHandler>[0],
  options: { readsBody?: boolean } = {},
): ReturnType<typeof apiHandler> {
  const rateLimit: MerchantRateLimit = {
    // Most requests are admitted from the instance's own allowance, without a DynamoDB call.
    limiter: requestAllowance(dynamodbRequestRateLimiter()),
    rate: merchantRequestRate(process.env),
  };
  return apiHandler(handle, { ...options, rateLimit });
}
