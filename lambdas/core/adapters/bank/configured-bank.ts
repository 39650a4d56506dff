import { BANK_BREAKER_STATE_ID, type BankSettings } from '../../config/bank';
import { ENV } from '../../config/environment';
import { logger, metrics } from '../../observability';
import type { Bank } from '../../use-cases/ports';
import { dynamodbBreakerState } from '../dynamodb/breaker-state';
import { httpBank } from './http-bank';

/**
 * The bank at BANK_API_URL behind the breaker shared through DynamoDB. An opening breaker is logged and
 * counted (CircuitBreakerOpen); an answer that needs an operator is logged as an error and counted
 * (BankContractErrors): both are alarmed on (lib/observability.ts).
 */
export function configuredBank(settings: BankSettings): Bank {
  const baseUrl = process.env[ENV.bankApiUrl];
  if (!baseUrl) throw new Error(`${ENV.bankApiUrl} is not set`);
  return httpBank(baseUrl, settings, dynamodbBreakerState(BANK_BREAKER_STATE_ID), {
    onBreak: () => {
      logger.warn('bank circuit breaker opened');
      metrics.addMetric('CircuitBreakerOpen', 'Count', 1);
    },
    onAlarm: (alarm) => {
      logger.error('bank answer needs an operator; nothing was decided', { ...alarm });
      metrics.addMetric('BankContractErrors', 'Count', 1);
    },
  });
}
