/**
 * How long API Gateway keeps the merchant authorizer's answer for one Authorization header, and does not
 * invoke the authorizer for that key meanwhile (authorizerResultTtlInSeconds, at most 3600:
 * https://docs.aws.amazon.com/apigateway/latest/api/API_Authorizer.html). So a known key keeps working while
 * the authorizer's database is briefly away. The CDK stack (lib/api.ts) and the local gateway
 * (localstack/src/gateway/rest-api.ts) both read it from here.
 */
export const AUTHORIZER_CACHE_TTL_SECONDS = 300;
