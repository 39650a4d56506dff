import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';

/**
 * Powertools singletons, created once per Lambda instance (service name and namespace come from the
 * POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE variables the CDK stack and the local stack set).
 */
export const logger = new Logger({ serviceName: 'aspay' });
export const metrics = new Metrics({ namespace: 'ASPay', serviceName: 'aspay' });
export const tracer = new Tracer({ serviceName: 'aspay' });

/** Wraps a Lambda handler with structured logging (Lambda context, fresh keys), metrics and tracing. */
export function withObservability<E, R>(handler: (event: E, context: Context) => Promise<R>) {
  return middy(handler)
    .use(captureLambdaHandler(tracer))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics));
}
