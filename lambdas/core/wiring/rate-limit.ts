import { dynamodbRateLimitStore } from '../adapters/dynamodb/rate-limit-store';
import { merchantRequestRate } from '../domain/rate-limit';
import { type MerchantRateLimit, requestAllowance } from '../use-cases/rate-limit';

/**
 * Each merchant's request rate (from the environment) and its shared budget in DynamoDB, drawn on in small
 * takes held per instance: built once per container by the routes behind the merchant authorizer, which alone
 * reach the rate limit's table.
 */
export function merchantRateLimit(): MerchantRateLimit {
  return {
    // Most requests are admitted from the instance's own allowance, without a DynamoDB call.
    limiter: requestAllowance(dynamodbRateLimitStore()),
    rate: merchantRequestRate(process.env),
  };
}
