import { ENV } from '../lambdas/core/config/environment';
import { STRIPE_METADATA } from '../lambdas/core/config/processors';
import type { LocalEndpoints } from '../localstack/src/stack';
import { LOCAL_STRIPE_SECRET_KEY } from '../localstack/src/stripe/local-account';
import { getJson, postJson } from './control-http';
import { type PaymentSources, PROCESSOR_SOURCES } from './plan';

/** What a processor did: the charges it made (by the payment each was for) and the refunds it executed. */
export interface ProcessorBook {
  charges: { reference: string }[];
  refunds: { idempotencyKey: string }[];
}

/**
 * Test mode's processor as the run drives and audits it: the sources its load sends, its book, a call held
 * in flight, and an outage.
 */
export interface ChaosProcessor {
  /** What the run's report calls it. */
  readonly label: string;
  readonly sources: PaymentSources;
  book(): Promise<ProcessorBook>;
  /** While on, the processor takes charges (or refunds) in but answers none until released. */
  hold(what: 'payment' | 'refund', enabled: boolean): Promise<void>;
  setOutage(enabled: boolean): Promise<void>;
}

/** The run cannot use the stack's processor: an operator's error, told in one line. */
export class UnsupportedProcessorError extends Error {}

/** ASPay's bank simulator (its admin routes: localstack/README.md). */
function simulatorProcessor(bankUrl: string): ChaosProcessor {
  return {
    label: 'bank simulator',
    sources: PROCESSOR_SOURCES.simulator,
    book: () => getJson<ProcessorBook>(`${bankUrl}/admin/charges`),
    hold: (what, enabled) =>
      postJson(`${bankUrl}/admin/hold`, { kind: what === 'payment' ? 'charges' : 'refunds', enabled }),
    setOutage: (enabled) => postJson(`${bankUrl}/admin/outage`, { enabled }),
  };
}

type Tagged = { status: string; metadata: Record<string, string> };

/**
 * The local Stripe simulator (its `/_simulator` controls: localstack/README.md). A charge is a succeeded
 * PaymentIntent, a refund one Stripe accepted (pending or succeeded), each found by ASPay's id in its metadata.
 */
function stripeSimulatorProcessor(simulatorUrl: string): ChaosProcessor {
  const control = `${simulatorUrl}/_simulator`;
  const list = async (what: string) => (await getJson<{ data: Tagged[] }>(`${control}/${what}`)).data;
  return {
    label: 'Stripe simulator',
    sources: PROCESSOR_SOURCES.stripe,
    async book() {
      const [intents, refunds] = await Promise.all([list('payment_intents'), list('refunds')]);
      return {
        charges: intents
          .filter((intent) => intent.status === 'succeeded')
          .map((intent) => ({ reference: intent.metadata[STRIPE_METADATA.paymentId] ?? '' })),
        refunds: refunds
          .filter((refund) => refund.status === 'succeeded' || refund.status === 'pending')
          .map((refund) => ({ idempotencyKey: refund.metadata[STRIPE_METADATA.refundId] ?? '' })),
      };
    },
    hold: (what, enabled) =>
      postJson(`${control}/hold`, { kind: what === 'payment' ? 'payment_intents' : 'refunds', enabled }),
    setOutage: (enabled) => postJson(`${control}/outage`, { enabled }),
  };
}

/**
 * The processor the stack's test mode was started with (`ASPAY_TEST_PROCESSOR`). Stripe only as the local
 * simulator: a run against a real Stripe account could neither audit nor break it.
 */
export function chaosProcessor(endpoints: LocalEndpoints): ChaosProcessor {
  const environment = endpoints.settings.environment;
  const name = environment[ENV.testProcessor] ?? 'simulator';
  if (name === 'simulator') return simulatorProcessor(endpoints.bankUrl);
  if (name === 'stripe') {
    const ownKey = environment[ENV.stripeTestSecretKey];
    if (ownKey && ownKey !== LOCAL_STRIPE_SECRET_KEY)
      throw new UnsupportedProcessorError(
        `test mode runs on a Stripe account of your own (${ENV.stripeTestSecretKey}); chaos runs only on the local Stripe simulator`,
      );
    return stripeSimulatorProcessor(endpoints.stripeSimulatorUrl);
  }
  throw new UnsupportedProcessorError(
    `test mode's processor is ${name}; chaos runs on the bank simulator or the local Stripe simulator`,
  );
}
