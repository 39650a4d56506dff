import { dynamodbRateLimitStore } from '../adapters/dynamodb/rate-limit-store';
import { merchantRequestRate } from '../domain/rate-limit';
import { requestAllowance } from '../use-cases/rate-limit';
import { apiHandler, type MerchantRateLimit } from './api-handler';

/**
 * apiHandler for the routes behind the merchant authorizer: each merchant's requests draw on its shared
 * request rate (domain/rate-limit.ts), in small takes held per instance (use-cases/rate-limit.ts).
 * Only these functions reach the rate limiter's table.
 */
export function merchantApiHandler(
  handle: Parameters<typeof apiHandler>[0],
  options: { readsBody?: boolean } = {},
): ReturnType<typeof apiHandler> {
  const rateLimit: MerchantRateLimit = {
    // Most requests are admitted from the instance's own allowance, without a DynamoDB call.
    limiter: requestAllowance(dynamodbRateLimitStore()),
    rate: merchantRequestRate(process.env),
  };
  return apiHandler(handle, { ...options, rateLimit });
}
