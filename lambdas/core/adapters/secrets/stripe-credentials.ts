import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigurationError } from '../../config/errors';
import { STRIPE_ACCOUNTS } from '../../config/processors';
import { setting } from '../../config/settings';
import type { Mode } from '../../domain/mode';

/** A mode's Stripe account: the secret API key the connector calls with, the secret its events are signed with. */
export interface StripeCredentials {
  readonly secretKey: string;
  readonly webhookSecret: string;
  /** Where the Stripe API is when not api.stripe.com (the local Stripe simulator). */
  readonly apiUrl?: string;
}

let secretsManager: SecretsManagerClient | undefined;
const cached = new Map<Mode, Promise<StripeCredentials>>();

/**
 * The mode's Stripe credentials: from its Secrets Manager secret (JSON `secretKey`, `webhookSecret`) in AWS,
 * from plain variables locally; read once per container. A key of the wrong mode (`sk_live_` for test mode,
 * `sk_test_` for live) is refused, so test payments can never reach a live account.
 */
export function stripeCredentials(
  mode: Mode,
  env: NodeJS.ProcessEnv = process.env,
): Promise<StripeCredentials> {
  let credentials = cached.get(mode);
  if (!credentials) {
    credentials = readStripeCredentials(mode, env);
    // A failed read (Secrets Manager unreachable) is tried again on the next call, not remembered.
    credentials.catch(() => cached.delete(mode));
    cached.set(mode, credentials);
  }
  return credentials;
}

async function readStripeCredentials(mode: Mode, env: NodeJS.ProcessEnv): Promise<StripeCredentials> {
  const account = STRIPE_ACCOUNTS[mode];
  const apiUrl = setting(account.apiUrlVariable, env);
  const secretArn = setting(account.secretArnVariable, env);
  let secret: { secretKey?: unknown; webhookSecret?: unknown };
  if (secretArn) {
    secretsManager ??= new SecretsManagerClient({});
    const answer = await secretsManager.send(new GetSecretValueCommand({ SecretId: secretArn }));
    try {
      secret = JSON.parse(answer.SecretString ?? '{}') as typeof secret;
    } catch {
      // The stack creates the secret with a generated value, which the operator replaces (docs/bank-processor.md).
      secret = {};
    }
  } else {
    secret = {
      secretKey: setting(account.secretKeyVariable, env),
      webhookSecret: setting(account.webhookSecretVariable, env),
    };
  }
  const where = secretArn ?? `${account.secretKeyVariable} and ${account.webhookSecretVariable}`;
  const { secretKey, webhookSecret } = secret;
  if (typeof secretKey !== 'string' || typeof webhookSecret !== 'string' || !secretKey || !webhookSecret)
    throw new ConfigurationError(`${mode} mode's Stripe credentials are missing: set ${where}`);
  // Stripe's secret keys name their mode (https://docs.stripe.com/keys#obtain-api-keys); restricted keys too.
  const keyMode = /^(sk|rk)_(test|live)_/.exec(secretKey)?.[2];
  if (keyMode !== mode)
    throw new ConfigurationError(
      `${mode} mode's Stripe secret key must start with sk_${mode}_ or rk_${mode}_`,
    );
  return { secretKey, webhookSecret, ...(apiUrl ? { apiUrl } : {}) };
}
