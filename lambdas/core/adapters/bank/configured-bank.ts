import { AWS_IAM_BANK_AUTH, BANKS, type BankSettings } from '../../config/bank';
import { ConfigurationError } from '../../config/errors';
import { processorOf } from '../../config/processors';
import { setting } from '../../config/settings';
import type { Mode } from '../../domain/mode';
import { logger, metrics } from '../../observability';
import type { Bank, Banks } from '../../use-cases/ports/bank';
import { dynamodbCircuitBreakerState } from '../dynamodb/circuit-breaker-state';
import { stripeCredentials } from '../secrets/stripe-credentials';
import { awsIamSigner } from './aws-iam-signer';
import type { BankAlarm } from './bank-answers';
import { httpBank } from './http-bank';
import { stripeBank } from './stripe-bank';

/**
 * Where no live bank is configured (live mode off: the API refuses live payments), the live bank decides
 * nothing: a live payment or refund from before live mode was turned off waits, and the operator is told.
 */
function unconfiguredBank(mode: Mode, urlVariable: string): Bank {
  const unavailable = () => {
    logger.error('bank answer needs an operator; nothing was decided', {
      mode,
      detail: `${urlVariable} is not set`,
    });
    metrics.addMetric('BankContractErrors', 'Count', 1);
    return { kind: 'unavailable', reason: `${urlVariable} is not set` } as const;
  };
  return {
    charge: async () => unavailable(),
    refund: async () => unavailable(),
    lookupCharge: async () => unavailable(),
    lookupRefund: async () => unavailable(),
  };
}

/**
 * Each mode's processor (`PROCESSORS`, config/processors.ts): `simulator` and `http` are a bank speaking ASPay's
 * contract at the mode's URL (`ENV.bankApiUrl` live, `ENV.bankSandboxApiUrl` test); `stripe` is Stripe with the
 * mode's credentials (stripe-credentials.ts). Each mode's bank sits behind its own breaker shared through
 * DynamoDB (`BANKS[mode].breakerStateId`), whichever its processor. An opening breaker is logged and counted
 * (CircuitBreakerOpen); an answer that needs an operator is logged as an error and counted (BankContractErrors):
 * both are alarmed on (lib/observability.ts). A bank whose auth variable says `aws-iam` gets SigV4-signed
 * requests (the in-stack sandbox's function URL).
 */
export function configuredBanks(settings: BankSettings): Banks {
  const bankOf = (mode: Mode): Bank => {
    const { urlVariable, authVariable, breakerStateId } = BANKS[mode];
    const hooks = {
      onBreak: () => {
        logger.warn('bank circuit breaker opened', { mode });
        metrics.addMetric('CircuitBreakerOpen', 'Count', 1);
      },
      onAlarm: (alarm: BankAlarm) => {
        logger.error('bank answer needs an operator; nothing was decided', { mode, ...alarm });
        metrics.addMetric('BankContractErrors', 'Count', 1);
      },
    };
    const breakerState = dynamodbCircuitBreakerState(breakerStateId);
    const processor = processorOf(mode);
    if (processor === 'stripe')
      return stripeBank(() => stripeCredentials(mode), settings, breakerState, hooks);
    const baseUrl = setting(urlVariable);
    if (!baseUrl) {
      if (mode === 'live') return unconfiguredBank(mode, urlVariable);
      throw new ConfigurationError(`${urlVariable} is not set`);
    }
    const auth = authVariable ? setting(authVariable) : undefined;
    if (auth && auth !== AWS_IAM_BANK_AUTH)
      throw new ConfigurationError(`${authVariable} must be "${AWS_IAM_BANK_AUTH}" or unset, got "${auth}"`);
    return httpBank(baseUrl, settings, breakerState, { ...hooks, sign: auth ? awsIamSigner() : undefined });
  };
  return { live: bankOf('live'), test: bankOf('test') };
}
