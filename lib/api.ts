import {
  aws_apigateway as apigateway,
  Duration,
  type aws_lambda as lambda,
  aws_logs as logs,
  RemovalPolicy,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { AUTHORIZER_CACHE_TTL_SECONDS } from '../lambdas/core/config/authorizer-cache';
import { GATEWAY_PROBLEMS, type GatewayResponseKind, problemHeaders } from '../lambdas/core/config/problems';
import { API_ROUTES } from '../lambdas/core/config/routes';
import type { StageConfig } from './stage-config';

const RESPONSE_TYPES: Record<GatewayResponseKind, apigateway.ResponseType> = {
  UNAUTHORIZED: apigateway.ResponseType.UNAUTHORIZED,
  ACCESS_DENIED: apigateway.ResponseType.ACCESS_DENIED,
  THROTTLED: apigateway.ResponseType.THROTTLED,
  REQUEST_TOO_LARGE: apigateway.ResponseType.REQUEST_TOO_LARGE,
  WAF_FILTERED: apigateway.ResponseType.WAF_FILTERED,
  AUTHORIZER_CONFIGURATION_ERROR: apigateway.ResponseType.AUTHORIZER_CONFIGURATION_ERROR,
  AUTHORIZER_FAILURE: apigateway.ResponseType.AUTHORIZER_FAILURE,
  DEFAULT_5XX: apigateway.ResponseType.DEFAULT_5XX,
};

/**
 * The REST API (the kind the local gateway emulates): every route of API_ROUTES on its Lambda, the merchant
 * API-key REQUEST authorizer on the authorized ones, every other method and path on the fallback function
 * (problem+json 404/405), gateway responses in problem+json, throttling, access logs and error-level execution
 * logs.
 *
 * Both kinds of log need the account's API Gateway CloudWatch Logs role (one per account and region, shared by
 * every stage of every API): creating a logging stage fails where it was never set. With
 * `apiGatewayCloudWatchRole` the stack owns it (AWS::ApiGateway::Account plus its role, which the stage waits
 * for) and retains both on deletion, since other stages and APIs of the account rely on the setting; otherwise
 * the operator sets it once per account and region (docs/aws-deployment.md).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html
 */
export class Api extends Construct {
  readonly restApi: apigateway.RestApi;
  /** Methods without the authorizer: the public OpenAPI document and the fallback (cdk-nag acknowledges them). */
  readonly openMethods: apigateway.Method[] = [];

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
    const stageName = props.stage.name;
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: props.logRetention });
    const cloudWatchRole = props.stage.apiGatewayCloudWatchRole;
    this.restApi = new apigateway.RestApi(this, 'RestApi', {
      restApiName: `aspay-${stageName}`,
      description: 'ASPay payments API',
      cloudWatchRole,
      cloudWatchRoleRemovalPolicy: cloudWatchRole ? RemovalPolicy.RETAIN : undefined,
      deployOptions: {
        stageName,
        tracingEnabled: true,
        throttlingRateLimit: props.stage.apiThrottleRatePerSecond,
        throttlingBurstLimit: props.stage.apiThrottleBurst,
        accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
        metricsEnabled: true,
        // Errors only, and never request or response bodies (card data, customer e-mails).
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
      },
    });
    // API Gateway writes execution logs to this fixed name and would create it without retention; creating it
    // first gives it one.
    const executionLogs = new logs.LogGroup(this, 'ExecutionLogs', {
      logGroupName: `API-Gateway-Execution-Logs_${this.restApi.restApiId}/${stageName}`,
      retention: props.logRetention,
    });
    this.restApi.deploymentStage.node.addDependency(executionLogs);
    const authorizer = new apigateway.RequestAuthorizer(this, 'MerchantKeys', {
      handler: props.authorizer,
      identitySources: [apigateway.IdentitySource.header('Authorization')],
      resultsCacheTtl: Duration.seconds(AUTHORIZER_CACHE_TTL_SECONDS),
    });
    const fallback = new apigateway.LambdaIntegration(props.fallback);
    const validator = this.restApi.addRequestValidator('Parameters', { validateRequestParameters: true });

    const resources = new Set<apigateway.IResource>();
    for (const route of API_ROUTES) {
      const resource = this.restApi.root.resourceForPath(route.path);
      resources.add(resource);
      const handler = props.handlers.get(route.handler);
      if (!handler) throw new Error(`no function for route ${route.method} ${route.path} (${route.handler})`);
      const method = resource.addMethod(route.method, new apigateway.LambdaIntegration(handler), {
        authorizer: route.authorized ? authorizer : undefined,
        authorizationType: route.authorized
          ? apigateway.AuthorizationType.CUSTOM
          : apigateway.AuthorizationType.NONE,
        requestValidator: validator,
      });
      if (!route.authorized) this.openMethods.push(method);
    }
    // Other methods on known paths answer 405 with Allow; unknown paths answer 404, both from the fallback.
    for (const resource of resources)
      this.openMethods.push(resource.addMethod('ANY', fallback, { requestValidator: validator }));
    const proxy = this.restApi.root.addProxy({
      defaultIntegration: fallback,
      anyMethod: true,
      defaultMethodOptions: { requestValidator: validator },
    });
    // The proxy also puts its ANY method on the root.
    this.openMethods.push(proxy.anyMethod!, this.restApi.root.node.findChild('ANY') as apigateway.Method);

    for (const [kind, problem] of Object.entries(GATEWAY_PROBLEMS) as [
      GatewayResponseKind,
      (typeof GATEWAY_PROBLEMS)[GatewayResponseKind],
    ][]) {
      this.restApi.addGatewayResponse(`Problem${kind}`, {
        type: RESPONSE_TYPES[kind],
        statusCode: String(problem.status),
        // Gateway response header values are literals in single quotes.
        responseHeaders: Object.fromEntries(
          Object.entries(problemHeaders(problem.code)).map(([name, value]) => [name, `'${value}'`]),
        ),
        templates: {
          'application/json': JSON.stringify({ ...problem, requestId: '$context.requestId' }),
        },
      });
    }
  }
}
