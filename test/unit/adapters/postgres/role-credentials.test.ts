import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { scramVerifier } from '../../../../lambdas/core/adapters/postgres/role-credentials';

/** The SCRAM-SHA-256 exchange of RFC 7677, section 3: user "user", password "pencil". */
const RFC_7677 = {
  password: 'pencil',
  salt: 'W22ZaJ0SNY7soEsUEjb6gQ==',
  authMessage:
    'n=user,r=rOprNGfwEbeRWgbNEkqO,' +
    'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,' +
    'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
  clientProof: 'dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverSignature: '6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};

describe('the SCRAM verifier a role password is stored as', () => {
  const verifier = scramVerifier(RFC_7677.password, Buffer.from(RFC_7677.salt, 'base64'));
  const [, iterations, salt, storedKey, serverKey] =
    /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(verifier) ?? [];

  it("has PostgreSQL's format, with the default 4096 iterations and the salt given", () => {
    expect(iterations).toBe('4096');
    expect(salt).toBe(RFC_7677.salt);
  });

  it("accepts the RFC 7677 client's proof of the password, as the server checks it", () => {
    const clientSignature = createHmac('sha256', Buffer.from(storedKey!, 'base64'))
      .update(RFC_7677.authMessage)
      .digest();
    const proof = Buffer.from(RFC_7677.clientProof, 'base64');
    const clientKey = Buffer.from(proof.map((byte, i) => byte ^ clientSignature[i]!));
    expect(createHash('sha256').update(clientKey).digest('base64')).toBe(storedKey);
  });

  it('signs as the RFC 7677 server does, so the client accepts the server', () => {
    expect(
      createHmac('sha256', Buffer.from(serverKey!, 'base64')).update(RFC_7677.authMessage).digest('base64'),
    ).toBe(RFC_7677.serverSignature);
  });

  it('holds no trace of the password itself', () => {
    expect(scramVerifier('a-role-password')).not.toContain('a-role-password');
  });
});
