/**
 * How long API Gateway keeps the merchant authorizer's answer for one Authorization header, and does not
 * invoke the authorizer for that key meanwhile (authorizerResultTtlInSeconds, at most 3600:
 * https://docs.aws.amazon.com/apigateway/latest/api/API_Authorizer.html). It bounds two things at once:
 * - a known key keeps working while the authorizer's database is briefly away, for up to this long;
 * - a revoked key (or a disabled merchant's) is refused at most this long after the revoke: its cached Allow
 *   lasts until then. (A rolled key's expiry is exact: the handlers check it from the authorizer's context.)
 * One minute keeps a revoke prompt and costs one authorizer run per key and minute at most. The CDK stack
 * (lib/api.ts) and the local gateway (localstack/src/gateway/rest-api.ts) both read it from here.
 */
export const AUTHORIZER_CACHE_TTL_SECONDS = 60;
