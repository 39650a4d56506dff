/**
 * Per-merchant request limits on the API. API Gateway usage plans would need one API Gateway API key per
 * merchant, and an account holds at most 10,000 of them per Region, a quota that cannot be increased
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html);
 * their throttling is also best-effort only
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html). So the stage
 * throttle (cdk.json `apiThrottle*`) bounds the whole API and the API handlers bound each merchant with a shared
 * budget in DynamoDB (adapters/dynamodb/request-rate-limiter.ts).
 */
import { ENV } from './environment';
import { integerSetting } from './settings';

/** Without a stage setting (the local stack): generous, so that only a deliberate flood is refused. */
export const DEFAULT_MERCHANT_REQUEST_RATE = { perSecond: 100, burst: 300 } as const;

/** The per-merchant rate the CDK stack (from cdk.json) or the local stack sets in the environment. */
export function merchantRequestRate(env: NodeJS.ProcessEnv): { perSecond: number; burst: number } {
  return {
    perSecond: integerSetting(env, ENV.merchantRequestsPerSecond, DEFAULT_MERCHANT_REQUEST_RATE.perSecond, 1),
    burst: integerSetting(env, ENV.merchantRequestBurst, DEFAULT_MERCHANT_REQUEST_RATE.burst, 1),
  };
}
