import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localSecretBox, parseEnvelope } from '../../../../lambdas/core/adapters/secrets/envelope';

const keyFile = (key = randomBytes(32).toString('hex')) => {
  const file = join(mkdtempSync(join(tmpdir(), 'aspay-key-')), 'webhook-secrets.key');
  writeFileSync(file, `${key}\n`);
  return file;
};

describe('the local secret box', () => {
  const box = localSecretBox(keyFile());
  const secret = 'whsec_0123456789abcdef';

  it('seals a secret into the envelope format, with no trace of the plain text, and opens it again', async () => {
    const sealed = await box.seal(secret, 'mer_1');
    expect(sealed).toMatch(/^v1\.local\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain(secret);
    expect(parseEnvelope(sealed).wrapper).toBe('local');
    expect(await box.open(sealed, 'mer_1')).toBe(secret);
  });

  it('seals the same secret differently every time (a fresh data key and IV)', async () => {
    expect(await box.seal(secret, 'mer_1')).not.toBe(await box.seal(secret, 'mer_1'));
  });

  it('refuses to open a secret for another merchant, under another key, or once tampered with', async () => {
    const sealed = await box.seal(secret, 'mer_1');
    await expect(box.open(sealed, 'mer_2')).rejects.toThrow();
    await expect(localSecretBox(keyFile()).open(sealed, 'mer_1')).rejects.toThrow();
    const parts = sealed.split('.');
    const flipped = Buffer.from(parts[4]!, 'base64url');
    flipped[0]! ^= 1;
    parts[4] = flipped.toString('base64url');
    await expect(box.open(parts.join('.'), 'mer_1')).rejects.toThrow();
    await expect(box.open(sealed.replace('.local.', '.kms.'), 'mer_1')).rejects.toThrow(
      /cannot be opened locally/,
    );
  });

  it('refuses a key file that does not hold a 256-bit key', () => {
    expect(() => localSecretBox(keyFile('abcd'))).toThrow(/256-bit/);
  });
});
