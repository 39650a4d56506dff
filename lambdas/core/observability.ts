import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { ENV } from './config/environment';
import { METRIC_STAGE_DIMENSION, METRICS_NAMESPACE, METRICS_SERVICE } from './config/metrics';
import { setting } from './config/settings';
import { redactLogValue } from './redaction';

/**
 * Powertools singletons, created once per Lambda instance (service name and namespace come from the
 * POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE variables the CDK stack and the local stack set).
 * Every log line goes through the redaction replacer, which runs on each key and value before Powertools
 * serializes errors, so an error's own fields and stack are scrubbed too:
 * https://docs.aws.amazon.com/powertools/typescript/2.30.0/api/types/_aws-lambda-powertools_logger.types.CustomJsonReplacerFn.html
 */
export const logger = new Logger({ serviceName: 'aspay', jsonReplacerFn: redactLogValue });
const stage = setting(ENV.stage);
/** Every metric carries the stage next to the service (config/metrics.ts), where the stage is set. */
export const metrics = new Metrics({
  namespace: METRICS_NAMESPACE,
  serviceName: METRICS_SERVICE,
  defaultDimensions: stage ? { [METRIC_STAGE_DIMENSION]: stage } : {},
});
export const tracer = new Tracer({ serviceName: 'aspay' });

/**
 * Wraps a Lambda handler with structured logging (Lambda context, fresh keys), metrics and tracing.
 *
 * Nothing secret or personal reaches X-Ray or the logs through the wrapper: no response is captured as trace
 * metadata (API responses carry customers' e-mails and metadata, create-merchant's a new API key; the harmless
 * ones are logged anyway), https://docs.powertools.aws.dev/lambda/typescript/latest/core/tracer/ ; and the
 * event is never logged, whatever POWERTOOLS_LOGGER_LOG_EVENT says (the option takes precedence over it), as
 * it carries the Authorization header, request bodies and Kafka records:
 * https://docs.powertools.aws.dev/lambda/typescript/latest/core/logger/#log-incoming-event
 */
export function withObservability<E, R>(handler: (event: E, context: Context) => Promise<R>) {
  return middy(handler)
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
    .use(logMetrics(metrics));
}
