import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * Powertools singletons, created once per Lambda instance (service name and namespace come from the
 * POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE variables the CDK stack and the local stack set).
 */
export const logger = new Logger({ serviceName: 'aspay' });
export const metrics = new Metrics({ namespace: 'ASPay', serviceName: 'aspay' });
export const tracer = new Tracer({ serviceName: 'aspay' });
