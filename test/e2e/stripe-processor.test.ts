import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planChaos } from '../../chaos/plan';
import { chaosProcessor } from '../../chaos/processor';
import { figuresOf, formatReport } from '../../chaos/report';
import { runChaos } from '../../chaos/run';
import { chaosWaits } from '../../chaos/timings';
import { DATABASE_ROLES } from '../../lambdas/core/config/database-roles';
import { ENV } from '../../lambdas/core/config/environment';
import { STRIPE_METADATA } from '../../lambdas/core/config/processors';
import { bringUp } from '../../localstack/src/stack';
import { localStripeAccount, STRIPE_EVENTS_PATH } from '../../localstack/src/stripe/local-account';
import { stopProcess } from '../../localstack/src/support/processes';
import { callApi, paymentSettledAs, validPayment } from '../support/api-client';
import { createTestMerchant, testDatabase } from '../support/database';
import { eventually } from '../support/eventually';
import { adoptStackEnvironment, localEndpoints } from '../support/local-stack';

/**
 * Test mode on Stripe, end to end: the stack's API and event runner restarted with `ASPAY_TEST_PROCESSOR=stripe`
 * (so this file runs with the fault tests, alone), their Stripe the local Stripe simulator, which sends its
 * signed events to the inbound Stripe route; last, a short chaos run on it (the full one: docs/chaos.md).
 * Afterwards the two services come back on the simulator bank.
 */
const db = testDatabase();
const endpoints = localEndpoints();
const simulator = endpoints.stripeSimulatorUrl;

async function restartServices(): Promise<void> {
  for (const name of ['api', 'runner']) await stopProcess(name);
  await bringUp();
}

async function simulated<T>(path: string): Promise<T[]> {
  const response = await fetch(`${simulator}/_simulator/${path}`);
  return ((await response.json()) as { data: T[] }).data;
}

type PaymentIntent = { id: string; status: string; metadata: Record<string, string> };
type Refund = { id: string; status: string; metadata: Record<string, string> };

const intentsOf = async (paymentId: string) =>
  (await simulated<PaymentIntent>('payment_intents')).filter(
    (intent) => intent.metadata[STRIPE_METADATA.paymentId] === paymentId,
  );

const ledgerNet = async (paymentId: string) =>
  (
    await db.query(
      `SELECT COALESCE(sum(CASE WHEN p.direction = 'credit' THEN p.amount ELSE -p.amount END), 0)::text AS net
         FROM ledger.journal_entries e JOIN ledger.postings p ON p.entry_id = e.id
        WHERE e.payment_id = $1 AND p.account_id LIKE 'merchant_payable:%'`,
      [paymentId],
    )
  ).rows[0].net as string;

beforeAll(async () => {
  adoptStackEnvironment();
  process.env[ENV.testProcessor] = 'stripe';
  await restartServices();
}, 180_000);

afterAll(async () => {
  delete process.env[ENV.testProcessor];
  await restartServices();
}, 180_000);

describe('test mode on Stripe (the local Stripe simulator)', () => {
  it('settles a payment SUCCESS with exactly one PaymentIntent, keyed and tagged by the payment', async () => {
    const merchant = await createTestMerchant(db);
    const created = await callApi('/v1/payments', {
      apiKey: merchant.apiKey,
      body: validPayment({ amount: '42.50', source: 'pm_card_visa' }),
    });
    expect(created.status).toBe(202);
    const settled = await paymentSettledAs(created.body.id, ['SUCCESS', 'FAILED'], {
      apiKey: merchant.apiKey,
    });
    expect(settled.body.status).toBe('SUCCESS');
    const intents = await intentsOf(created.body.id);
    expect(intents).toHaveLength(1);
    expect(intents[0]).toMatchObject({ status: 'succeeded', amount: 4250, currency: 'usd' });
  });

  it("fails a declined card's payment with Stripe's decline code as its reason, confirming nothing", async () => {
    const merchant = await createTestMerchant(db);
    const created = await callApi('/v1/payments', {
      apiKey: merchant.apiKey,
      body: validPayment({ source: 'pm_card_chargeDeclinedInsufficientFunds' }),
    });
    const settled = await paymentSettledAs(created.body.id, ['SUCCESS', 'FAILED'], {
      apiKey: merchant.apiKey,
    });
    expect(settled.body).toMatchObject({ status: 'FAILED', failureReason: 'insufficient_funds' });
    const intents = await intentsOf(created.body.id);
    expect(intents.map((intent) => intent.status)).not.toContain('succeeded');
  });

  it('executes a partial refund once, and reflects its later failure on the payment and the ledger exactly once', async () => {
    const merchant = await createTestMerchant(db);
    const created = await callApi('/v1/payments', {
      apiKey: merchant.apiKey,
      body: validPayment({ amount: '80.00', source: 'pm_card_refundFail' }),
    });
    const paymentId = created.body.id;
    await paymentSettledAs(paymentId, ['SUCCESS'], { apiKey: merchant.apiKey });
    const refund = await callApi(`/v1/payments/${paymentId}/refunds`, {
      apiKey: merchant.apiKey,
      body: { amount: '30.00' },
    });
    expect(refund.status).toBe(201);
    const refundId = refund.body.id;

    // The refund is executed at Stripe once (it starts `succeeded`), then the ledger reverses it…
    await eventually(
      () => ledgerNet(paymentId),
      (net) => net === '50.0000',
    );
    const refunds = (await simulated<Refund>('refunds')).filter(
      (stripeRefund) => stripeRefund.metadata[STRIPE_METADATA.refundId] === refundId,
    );
    expect(refunds).toHaveLength(1);

    // …and Stripe later fails it (refund.failed): the amount comes back to the payment and the ledger.
    await fetch(`${simulator}/_simulator/later/run`, { method: 'POST' });
    const restored = await eventually(
      () => callApi(`/v1/payments/${paymentId}`, { apiKey: merchant.apiKey }),
      (read) => read.body.refundedAmount === '0.00',
    );
    expect(restored.body.status).toBe('SUCCESS');
    await eventually(
      () => ledgerNet(paymentId),
      (net) => net === '80.0000',
    );

    // Every event Stripe sent for it, delivered again: nothing changes.
    const recorded = await db.query('SELECT count(*)::int AS n FROM processor_events');
    for (const event of await simulated<{ id: string; data: { object: { id: string } } }>('events'))
      await fetch(`${simulator}/_simulator/events/${event.id}/resend`, { method: 'POST' });
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect((await db.query('SELECT count(*)::int AS n FROM processor_events')).rows[0].n).toBe(
      recorded.rows[0].n,
    );
    expect(await ledgerNet(paymentId)).toBe('80.0000');
    const again = await callApi(`/v1/payments/${paymentId}`, { apiKey: merchant.apiKey });
    expect(again.body).toMatchObject({ status: 'SUCCESS', refundedAmount: '0.00' });
    // The inbound route wrote all this under its own database role (its pool stays open while idle).
    const sessions = await db.query(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND usename = $1',
      [DATABASE_ROLES.processorEvents.name],
    );
    expect(sessions.rows[0].n).toBeGreaterThan(0);
  });

  it('answers a forged signature 400 and records nothing', async () => {
    const before = (await db.query('SELECT count(*)::int AS n FROM processor_events')).rows[0].n;
    const payload = JSON.stringify({
      id: 'evt_forged',
      object: 'event',
      type: 'payment_intent.succeeded',
      livemode: false,
      data: { object: { id: 'pi_forged', object: 'payment_intent', metadata: {} } },
    });
    const stripe = new Stripe(localStripeAccount(simulator).secretKey);
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_not_the_endpoints' });
    const response = await fetch(`${endpoints.apiUrl}${STRIPE_EVENTS_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': header },
      body: payload,
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect((await db.query('SELECT count(*)::int AS n FROM processor_events')).rows[0].n).toBe(before);
  });

  it('keeps one succeeded PaymentIntent per SUCCESS and none for a FAILED under a short chaos run', async () => {
    // The stack's settings as this file restarted it: test mode on the Stripe simulator.
    const onStripe = {
      ...endpoints,
      settings: {
        ...endpoints.settings,
        environment: { ...endpoints.settings.environment, [ENV.testProcessor]: 'stripe' },
      },
    };
    const processor = chaosProcessor(onStripe);
    const plan = planChaos({
      seed: 20_261_207,
      payments: 60,
      ratePerSecond: 8,
      // The faults that act on the processor: a payment's and a refund's call at Stripe while the database
      // goes away, and Stripe down. The others act on ASPay's own processes, whatever the processor.
      faults: ['payment-claim-database-outage', 'refund-claim-database-outage', 'bank-outage'],
      faultMs: {
        'payment-claim-database-outage': 3_000,
        'refund-claim-database-outage': 3_000,
        'bank-outage': 3_000,
      },
      merchants: onStripe.merchants.length,
      mix: { decline: 0.2, bankError: 0, refund: 0.3, doubleClick: 0.1 },
      sources: processor.sources,
    });
    const waits = chaosWaits(onStripe.settings, plan, { maxWaitMs: 180_000 });
    const result = await runChaos({
      plan,
      endpoints: onStripe,
      processor,
      restart: { supervisorGraceMs: 15_000 },
      quietTimeoutMs: waits.quietTimeoutMs,
      recoveryTimeoutMs: 30_000,
      downCheck: false,
    });
    const figures = figuresOf(result);

    expect(figures.faults.map((fault) => [fault.kind, fault.error])).toEqual(
      plan.faults.map((fault) => [fault.kind, undefined]),
    );
    expect(figures.payments.accepted).toBe(figures.payments.sent);
    expect(figures.violations, formatReport(figures)).toEqual([]);
  }, 240_000);
});
