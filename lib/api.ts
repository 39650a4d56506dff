import {
  aws_apigateway as apigateway,
  Duration,
  type aws_lambda as lambda,
  aws_logs as logs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  GATEWAY_PROBLEMS,
  type GatewayResponseKind,
  PROBLEM_CONTENT_TYPE,
} from '../lambdas/core/config/problems';
import { API_ROUTES } from '../lambdas/core/config/routes';
import type { StageConfig } from './stage-config';

const RESPONSE_TYPES: Record<GatewayResponseKind, apigateway.ResponseType> = {
  UNAUTHORIZED: apigateway.ResponseType.UNAUTHORIZED,
  ACCESS_DENIED: apigateway.ResponseType.ACCESS_DENIED,
  THROTTLED: apigateway.ResponseType.THROTTLED,
  REQUEST_TOO_LARGE: apigateway.ResponseType.REQUEST_TOO_LARGE,
  DEFAULT_5XX: apigateway.ResponseType.DEFAULT_5XX,
};

/**
 * The REST API (the kind the local gateway emulates): every route of API_ROUTES on its Lambda, the merchant
 * API-key REQUEST authorizer on the authorized ones, every other method and path on the fallback function
 * (problem+json 404/405), gateway responses in problem+json, throttling and access logs.
 */
export class Api extends Construct {
  readonly restApi: apigateway.RestApi;

  constructor(
    scope: Construct,
    id: string,
    props: {
      stage: StageConfig;
      logRetention: logs.RetentionDays;
      handlers: ReadonlyMap<string, lambda.IFunction>;
      authorizer: lambda.IFunction;
      fallback: lambda.IFunction;
    },
  ) {
    super(scope, id);
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: props.logRetention });
    this.restApi = new apigateway.RestApi(this, 'RestApi', {
      restApiName: `aspay-${props.stage.name}`,
      description: 'ASPay payments API',
      cloudWatchRole: false,
      deployOptions: {
        stageName: props.stage.name,
        tracingEnabled: true,
        throttlingRateLimit: props.stage.apiThrottleRatePerSecond,
        throttlingBurstLimit: props.stage.apiThrottleBurst,
        accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
        metricsEnabled: true,
      },
    });
    const authorizer = new apigateway.RequestAuthorizer(this, 'MerchantKeys', {
      handler: props.authorizer,
      identitySources: [apigateway.IdentitySource.header('Authorization')],
      resultsCacheTtl: Duration.minutes(5),
    });
    const fallback = new apigateway.LambdaIntegration(props.fallback);
    const validator = this.restApi.addRequestValidator('Parameters', { validateRequestParameters: true });

    const resources = new Set<apigateway.IResource>();
    for (const route of API_ROUTES) {
      const resource = this.restApi.root.resourceForPath(route.path);
      resources.add(resource);
      const handler = props.handlers.get(route.handler);
      if (!handler) throw new Error(`no function for route ${route.method} ${route.path} (${route.handler})`);
      resource.addMethod(route.method, new apigateway.LambdaIntegration(handler), {
        authorizer: route.authorized ? authorizer : undefined,
        authorizationType: route.authorized
          ? apigateway.AuthorizationType.CUSTOM
          : apigateway.AuthorizationType.NONE,
        requestValidator: validator,
      });
    }
    // Other methods on known paths answer 405 with Allow; unknown paths answer 404, both from the fallback.
    for (const resource of resources) resource.addMethod('ANY', fallback, { requestValidator: validator });
    this.restApi.root.addProxy({
      defaultIntegration: fallback,
      anyMethod: true,
      defaultMethodOptions: { requestValidator: validator },
    });

    for (const [kind, problem] of Object.entries(GATEWAY_PROBLEMS) as [
      GatewayResponseKind,
      (typeof GATEWAY_PROBLEMS)[GatewayResponseKind],
    ][]) {
      this.restApi.addGatewayResponse(`Problem${kind}`, {
        type: RESPONSE_TYPES[kind],
        statusCode: String(problem.status),
        responseHeaders: { 'Content-Type': `'${PROBLEM_CONTENT_TYPE}'` },
        templates: {
          'application/json': JSON.stringify({ ...problem, requestId: '$context.requestId' }),
        },
      });
    }
  }
}
