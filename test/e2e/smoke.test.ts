import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../localstack/src/settings';
import { merchant } from '../support/api-client';
import { setBankOutage } from '../support/bank';
import { freePort } from '../support/free-port';
import { localEndpoints } from '../support/local-stack';
import { aspayJson, runCommand } from '../support/run-script';
import { setEndpointDown } from '../support/webhooks';

/** `npx aspay smoke` as a new user runs it after a deploy: from the clone, with nothing but a test key. */
function smoke(apiKey: string, ...args: string[]) {
  return runCommand('npx', ['--no', 'aspay', 'smoke', ...args], {
    cwd: join(ROOT, 'docs'),
    env: { ASPAY_API_KEY: apiKey },
  });
}

/** The CLI's own stderr lines (npm may add warnings of its own about the host's configuration). */
const cliErrors = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('aspay:'));

const STEPS = [
  'balance read',
  'payment created',
  'payment settled',
  'ledger posted',
  'refund recorded',
  'refund executed',
  'webhooks',
];

describe('npx aspay smoke against the local stack', () => {
  it('passes with the demo merchant, each step on its line with its time', async () => {
    const result = await smoke(merchant('acme').apiKey);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    for (const step of STEPS)
      expect(result.stdout).toMatch(new RegExp(`^ {2}ok {4}${step} +\\S.*\\(\\d+\\.\\d s\\)$`, 'm'));
    expect(result.stdout).toMatch(/ok {4}refund executed +EUR balance \S+ \(\+10\.00 −3\.00\)/);
    expect(result.stdout).toMatch(
      /ok {4}webhooks +payment\.refund_executed, payment\.refunded, payment\.succeeded delivered/,
    );
    expect(result.stdout).toMatch(/^passed in \d+\.\d s$/m);
  }, 120_000);

  it('refuses a live key in one line, before calling anything', async () => {
    const acme = localEndpoints().merchants.find((demo) => demo.id === merchant('acme').id);
    const result = await smoke(acme?.liveApiKey ?? '');
    expect(result.code).toBe(2);
    expect(cliErrors(result.stderr)).toEqual([
      'aspay: refusing a live key: a smoke test never moves real money (use the sk_test_ key)',
    ]);
    expect(result.stdout).toBe('');
  });

  it('fails in one line on a key the API does not know, and on an API it cannot reach', async () => {
    const unknown = await smoke(`sk_test_${randomUUID().replaceAll('-', '')}`);
    expect(unknown.code).toBe(1);
    expect(cliErrors(unknown.stderr)).toEqual([
      'aspay: the API refused the key (401): is it a test key of a merchant of this deployment?',
    ]);
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    const unreachable = await smoke(merchant('acme').apiKey, '--api-url', nowhere);
    expect(unreachable.code).toBe(1);
    expect(cliErrors(unreachable.stderr)).toEqual([
      `aspay: the API at ${nowhere} is unreachable (ECONNREFUSED)`,
    ]);
  });

  it("fails with the webhook's last error when the merchant's endpoint never answers", async () => {
    const endpoint = `smoke-${randomUUID().slice(0, 8)}`;
    const registered = await aspayJson(
      'merchants',
      'create',
      'Smoke Hooked Shop',
      '--webhook-url',
      `${localEndpoints().webhookSinkUrl}/hooks/${endpoint}`,
    );
    expect(registered.code).toBe(0);
    await setEndpointDown(endpoint, true);
    try {
      const result = await smoke(registered.json.apiKeys.test, '--timeout', '20');
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/ok {4}refund executed/);
      expect(result.stdout).toMatch(/FAIL {2}webhooks/);
      expect(cliErrors(result.stderr)).toEqual([
        expect.stringMatching(
          // Pending, or already given up: the stack's give-up age is 30 s under npm test (docs/configuration.md).
          /^aspay: the webhook endpoint (did not accept payment\.\w+ within 20 s \(pending|never accepted payment\.\w+: given up \(failed) after [1-9]\d* attempt\(s\), last error: .*503.*\)$/,
        ),
      ]);
    } finally {
      await setEndpointDown(endpoint, false);
    }
  }, 150_000);

  it('says the webhook check was skipped for a merchant with no endpoint, and passes', async () => {
    const registered = await aspayJson('merchants', 'create', 'Smoke Quiet Shop');
    const result = await smoke(registered.json.apiKeys.test);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/ok {4}webhooks +skipped: the merchant has no webhook endpoint/);
  }, 120_000);

  describe('with the bank down', () => {
    afterAll(() => setBankOutage(false));

    it('fails in one line: the bank did not settle the payment', async () => {
      await setBankOutage(true);
      const result = await smoke(merchant('acme').apiKey, '--timeout', '10');
      await setBankOutage(false);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/FAIL {2}payment settled/);
      expect(cliErrors(result.stderr)).toEqual([
        expect.stringMatching(
          /^aspay: the bank did not settle the payment within 10 s \(status PENDING since \S+, payment [0-9a-f-]{36}: is the bank up\? see npx aspay payments stuck\)$/,
        ),
      ]);
    }, 60_000);
  });
});
