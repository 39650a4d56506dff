/**
 * The processors a mode's payments and refunds can go to, and what ASPay writes on a Stripe object to find
 * its own payment or refund again (an inbound Stripe event, a lookup after a time-out). One module for the
 * connectors, the inbound events route, the CDK stack and the local stack.
 */

import type { Mode } from '../domain/mode';
import { ENV } from './environment';
import { ConfigurationError } from './errors';
import { setting } from './settings';

/**
 * `simulator`: ASPay's bank simulator (the in-stack sandbox bank in AWS, the local bank simulator on a laptop);
 * `http`: any bank that speaks ASPay's bank contract (docs/bank-processor.md) at the mode's bank URL;
 * `stripe`: Stripe, through the official SDK.
 */
export const PROCESSOR_NAMES = ['simulator', 'http', 'stripe'] as const;
export type ProcessorName = (typeof PROCESSOR_NAMES)[number];

/** Per mode: the variable naming its processor and that processor when the variable is unset. */
export const PROCESSORS: Readonly<Record<Mode, { variable: string; fallback: ProcessorName }>> = {
  test: { variable: ENV.testProcessor, fallback: 'simulator' },
  live: { variable: ENV.liveProcessor, fallback: 'http' },
};

/** The processor of `mode`'s payments and refunds, from its variable; an unknown name is refused. */
export function processorOf(mode: Mode, env: NodeJS.ProcessEnv = process.env): ProcessorName {
  const { variable, fallback } = PROCESSORS[mode];
  const name = setting(variable, env) ?? fallback;
  if (!(PROCESSOR_NAMES as readonly string[]).includes(name))
    throw new ConfigurationError(`${variable} is "${name}": use one of ${PROCESSOR_NAMES.join(', ')}`);
  return name as ProcessorName;
}

/** Per mode, where Stripe's credentials and API are (config/environment.ts). */
export const STRIPE_ACCOUNTS: Readonly<
  Record<
    Mode,
    {
      secretArnVariable: string;
      secretKeyVariable: string;
      webhookSecretVariable: string;
      apiUrlVariable: string;
    }
  >
> = {
  test: {
    secretArnVariable: ENV.stripeTestSecretArn,
    secretKeyVariable: ENV.stripeTestSecretKey,
    webhookSecretVariable: ENV.stripeTestWebhookSecret,
    apiUrlVariable: ENV.stripeTestApiUrl,
  },
  live: {
    secretArnVariable: ENV.stripeLiveSecretArn,
    secretKeyVariable: ENV.stripeLiveSecretKey,
    webhookSecretVariable: ENV.stripeLiveWebhookSecret,
    apiUrlVariable: ENV.stripeLiveApiUrl,
  },
};

/**
 * The metadata keys ASPay sets on every PaymentIntent and Refund it creates: an inbound event or a lookup finds
 * ASPay's payment or refund by them (Stripe's own ids are recorded too, as the bank's charge and refund ids).
 */
export const STRIPE_METADATA = {
  paymentId: 'aspay_payment_id',
  refundId: 'aspay_refund_id',
  merchantId: 'aspay_merchant_id',
} as const;

/**
 * The Stripe API version ASPay is written against, the one the stripe SDK in package.json is typed for, pinned on every client (Stripe's objects change shape
 * between versions: https://docs.stripe.com/api/versioning) and on the webhook endpoints a user creates.
 */
export const STRIPE_API_VERSION = '2026-11-18.endive';
