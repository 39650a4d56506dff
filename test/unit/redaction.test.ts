import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateApiKey } from '../../lambdas/core/domain/api-key';
import { logger } from '../../lambdas/core/observability';
import { REDACTED, redactLogValue, redactSecrets } from '../../lambdas/core/redaction';

describe('redactSecrets', () => {
  it.each([
    ['an API key', `key ${generateApiKey('live')} refused`, `key sk_live_${REDACTED} refused`],
    ['a webhook secret', 'signed with whsec_demo_acme_0b1c2d3e', `signed with whsec_${REDACTED}`],
    ['a bearer token', 'Authorization: Bearer abc.def', `Authorization: Bearer ${REDACTED}`],
    [
      "a URL's password",
      'connect postgres://aspay:s3cr%40t@db.example:5432/aspay?sslmode=verify-full failed',
      `connect postgres://aspay:${REDACTED}@db.example:5432/aspay?sslmode=verify-full failed`,
    ],
    [
      'a keyword/value password',
      "host=db user=aspay password='x' port=5432",
      `host=db user=aspay password=${REDACTED} port=5432`,
    ],
    ['an e-mail address', 'receipt for jane.roe+shop@example.co.uk sent', `receipt for ${REDACTED} sent`],
  ])('replaces %s', (_what, text, redacted) => {
    expect(redactSecrets(text)).toBe(redacted);
  });

  it('leaves URLs without credentials, ids and amounts alone', () => {
    const text =
      'GET http://127.0.0.1:13200/v1/payments/5f0c?limit=10 for mer_demo_acme: 12.50 USD, tok_success';
    expect(redactSecrets(text)).toBe(text);
  });
});

describe('redactLogValue', () => {
  it('blanks the value of sensitive fields whatever their spelling, and keeps absent ones visible', () => {
    const logged = JSON.parse(
      JSON.stringify(
        {
          headers: { Authorization: 'Bearer x' },
          webhook_secret: 'plain',
          customer: 'someone',
          databaseUrl: 'postgres://a:b@c/d',
          metadata: null,
          paymentId: 'p_1',
        },
        redactLogValue,
      ),
    );
    expect(logged).toEqual({
      headers: REDACTED,
      webhook_secret: REDACTED,
      customer: REDACTED,
      databaseUrl: REDACTED,
      metadata: null,
      paymentId: 'p_1',
    });
  });
});

describe("the functions' logger", () => {
  afterEach(() => vi.restoreAllMocks());

  it("scrubs an error's fields (PostgreSQL's DETAIL included), message and stack", () => {
    const lines: string[] = [];
    for (const stream of [process.stdout, process.stderr]) {
      vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        lines.push(String(chunk));
        return true;
      });
    }
    // As pg reports a violated constraint: DETAIL quotes the row, the customer's description included.
    const error = Object.assign(new Error('login as postgres://aspay:hunter2@db/aspay refused'), {
      code: '23514',
      detail: 'Failing row contains (jane@example.com, Flowers for Jane Roe).',
      config: { password: 'hunter2' },
    });
    logger.error('request failed', error);
    const output = lines.join('');
    expect(output).toContain('request failed');
    expect(output).toContain('23514');
    for (const secret of ['hunter2', 'jane@example.com', 'Flowers for Jane Roe'])
      expect(output).not.toContain(secret);
  });
});
