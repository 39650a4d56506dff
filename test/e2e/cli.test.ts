import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SIGNATURE_HEADER, verifyWebhookSignature } from '../../lambdas/core/domain/webhook-signature';
import { ROOT } from '../../localstack/src/settings';
import { callApi, paymentSettledAs, validPayment } from '../support/api-client';
import { testDatabase } from '../support/database';
import { eventually } from '../support/eventually';
import { localEndpoints } from '../support/local-stack';
import { aspayJson, runCommand, runScript } from '../support/run-script';
import { deliveriesTo } from '../support/webhooks';

const db = testDatabase();

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
      'payment.succeeded',
    ]);
  });

  it('answers a wrong command with one line and exit code 2', async () => {
    const result = await runScript('cli/aspay.ts', ['payments', 'fly']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^aspay: usage: /);
  });

  it('runs as `npx aspay` from any directory of a clone (the package bin), on the pinned Node', async () => {
    // --no: never install a registry package of that name instead, should the project's own bin go missing.
    const result = await runCommand('npx', ['--no', 'aspay', 'payments', 'fly'], { cwd: join(ROOT, 'docs') });
    expect(result.code).toBe(2);
    // npm may add warnings of its own about the host's configuration: only the CLI's lines are asserted.
    const cliLines = result.stderr.split('\n').filter((line) => line.startsWith('aspay:'));
    expect(cliLines).toEqual([expect.stringMatching(/^aspay: usage: aspay payments show <id>/)]);

    // The bin's `#!/usr/bin/env node` finds the Node of the `node` package npm exec puts first on PATH.
    const pinned = JSON.parse(
      readFileSync(join(ROOT, 'node_modules', 'node', 'package.json'), 'utf8'),
    ).version;
    const node = await runCommand('npm', ['exec', '--', 'node', '--version'], { cwd: join(ROOT, 'docs') });
    expect(node.stdout.trim()).toBe(`v${pinned}`);
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

  it('registers a webhook endpoint with its secret stored sealed only, and signs deliveries with it', async () => {
    const endpoint = `cli-${randomUUID().slice(0, 8)}`;
    const registered = await aspayJson(
      'merchants',
      'create',
      'CLI Hooked Shop',
      '--webhook-url',
      `${localEndpoints().webhookSinkUrl}/hooks/${endpoint}`,
    );
    expect(registered.code).toBe(0);
    const { merchantId, webhookSecret } = registered.json;
    const apiKey = registered.json.apiKeys.test;
    expect(webhookSecret).toMatch(/^whsec_[0-9a-f]{48}$/);

    const { rows } = await db.query(
      'SELECT row_to_json(m)::text AS row, webhook_secret FROM merchants m WHERE id = $1',
      [merchantId],
    );
    expect(rows[0].webhook_secret).toBeNull();
    expect(rows[0].row).not.toContain(webhookSecret);
    expect(rows[0].row).not.toContain(webhookSecret.slice('whsec_'.length));

    const paid = await callApi('/v1/payments', { apiKey, body: validPayment() });
    await paymentSettledAs(paid.body.id, ['SUCCESS'], { apiKey });
    const [delivery] = await eventually(
      () => deliveriesTo(endpoint),
      (received) => received.length >= 1,
    );
    expect(
      verifyWebhookSignature({
        header: delivery!.headers[SIGNATURE_HEADER.toLowerCase()],
        rawBody: delivery!.rawBody,
        secret: webhookSecret,
      }),
    ).toBe(true);
  });

  it('refuses a webhook URL the policy forbids with one line and exit code 2, registering nobody', async () => {
    // Counted by this test's name only: other test files create merchants at the same time.
    const nosyShops = "SELECT count(*)::int AS n FROM merchants WHERE name = 'Nosy Shop'";
    const before = await db.query(nosyShops);
    for (const [url, reason] of [
      ['http://hooks.example.com/aspay', /must use https/],
      ['https://169.254.169.254/latest/meta-data/', /not a public internet address/],
    ] as const) {
      const result = await runScript('cli/aspay.ts', [
        'merchants',
        'create',
        'Nosy Shop',
        '--live',
        '--webhook-url',
        url,
      ]);
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(reason);
    }
    expect((await db.query(nosyShops)).rows[0].n).toBe(before.rows[0].n);
  });
});
