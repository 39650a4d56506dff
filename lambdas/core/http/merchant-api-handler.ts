import { dynamodbRequestRateLimiter } from '../adapters/dynamodb/request-rate-limiter';
import { merchantRequestRate } from '../config/rate-limits';
import { apiHandler, type MerchantRateLimit } from './api-handler';

/**
 * apiHandler for the routes behind the merchant authorizer: each merchant's requests draw on its shared
 * request rate (config/rate-limits.ts). Only these functions reach the rate limiter's table.
 */
export function merchantApiHandler(
  handle: Parameters<typeof apiHandler>[0],
  options: { readsBody?: boolean } = {},
): ReturnType<typeof apiHandler> {
  const rateLimit: MerchantRateLimit = {
    limiter: dynamodbRequestRateLimiter(),
    rate: merchantRequestRate(process.env),
  };
  return apiHandler(handle, { ...options, rateLimit });
}
