import { describe, expect, it } from 'vitest';
import { callApi, paymentSettledAs, validPayment } from '../support/api-client';
import { aspayJson, runScript } from '../support/run-script';

describe('the aspay CLI', () => {
  it('shows a payment with its history, events, ledger entries and notifications', async () => {
    const created = await callApi('/v1/payments', { body: validPayment() });
    await paymentSettledAs(created.body.id, ['SUCCESS']);
    const shown = await aspayJson('payments', 'show', created.body.id);
    expect(shown.code).toBe(0);
    expect(shown.json.payment).toMatchObject({ id: created.body.id, mode: 'test', status: 'SUCCESS' });
    expect(shown.json.history.map((change: { to_status: string }) => change.to_status)).toEqual([
      'INITIATED',
      'PENDING',
      'SUCCESS',
    ]);
    expect(shown.json.events.map((event: { event_type: string }) => event.event_type)).toEqual([
      'payment.initiated',
      'payment.pending',
      'payment.succeeded',
    ]);
  });

  it('answers a wrong command with one line and exit code 2', async () => {
    const result = await runScript('cli/aspay.ts', ['payments', 'fly']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^aspay: usage: /);
  });

  it('registers a merchant with a test key and a live key, each authenticating in its mode', async () => {
    const registered = await aspayJson('merchants', 'create', 'CLI Test Shop');
    expect(registered.code).toBe(0);
    expect(registered.json.apiKeys.test).toMatch(/^sk_test_/);
    expect(registered.json.apiKeys.live).toMatch(/^sk_live_/);
    for (const [mode, apiKey] of Object.entries(registered.json.apiKeys as Record<string, string>)) {
      const response = await callApi('/v1/balance', { apiKey });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ livemode: mode === 'live', payable: [] });
    }
  });
});
