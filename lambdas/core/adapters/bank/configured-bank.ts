import { BANKS, type BankSettings } from '../../config/bank';
import { ConfigurationError } from '../../config/errors';
import { setting } from '../../config/settings';
import type { Mode } from '../../domain/mode';
import { logger, metrics } from '../../observability';
import type { Banks } from '../../use-cases/ports/bank';
import { dynamodbCircuitBreakerState } from '../dynamodb/circuit-breaker-state';
import { httpBank } from './http-bank';

/**
 * The live bank (`ENV.bankApiUrl`) and its sandbox (`ENV.bankSandboxApiUrl`), each behind its own breaker shared
 * through DynamoDB. An opening breaker is logged and counted (CircuitBreakerOpen); an answer that needs an
 * operator is logged as an error and counted (BankContractErrors): both are alarmed on (lib/observability.ts).
 */
export function configuredBanks(settings: BankSettings): Banks {
  const bankOf = (mode: Mode) => {
    const { urlVariable, breakerStateId } = BANKS[mode];
    const baseUrl = setting(urlVariable);
    if (!baseUrl) throw new ConfigurationError(`${urlVariable} is not set`);
    return httpBank(baseUrl, settings, dynamodbCircuitBreakerState(breakerStateId), {
      onBreak: () => {
        logger.warn('bank circuit breaker opened', { mode });
        metrics.addMetric('CircuitBreakerOpen', 'Count', 1);
      },
      onAlarm: (alarm) => {
        logger.error('bank answer needs an operator; nothing was decided', { mode, ...alarm });
        metrics.addMetric('BankContractErrors', 'Count', 1);
      },
    });
  };
  return { live: bankOf('live'), test: bankOf('test') };
}
