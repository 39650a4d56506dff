import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ENV } from '../../config/environment';
import { ConfigurationError } from '../../config/errors';
import { setting } from '../../config/settings';
import type { SecretOpener, SecretSealer } from '../../use-cases/ports/secrets';
import { SecretUnreadableError } from '../errors';

/**
 * The sealed form of a secret, stored in the database: `v1.<wrapper>.<wrapped data key>.<iv>.<ciphertext and
 * GCM tag>` (base64url parts). Envelope encryption: a fresh 256-bit data key encrypts the secret with
 * AES-256-GCM, and only the data key is wrapped by the key-encryption key — AWS KMS in AWS (`kms`), the local
 * stack's key file on a laptop (`local`). The merchant id is authenticated data at both levels, so a sealed
 * secret copied onto another merchant's row does not open.
 */
export type Wrapper = 'kms' | 'local';

export interface Envelope {
  readonly wrapper: Wrapper;
  readonly wrappedKey: Buffer;
  readonly iv: Buffer;
  readonly ciphertext: Buffer;
}

const VERSION = 'v1';
const TAG_BYTES = 16;
export const DATA_KEY_BYTES = 32;

/** AES-256-GCM with a random 96-bit IV; returns the IV and the ciphertext followed by its tag. */
export function encrypt(
  key: Buffer,
  plaintext: Buffer,
  associatedData: string,
): { iv: Buffer; ciphertext: Buffer } {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  return { iv, ciphertext: Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]) };
}

/** Reverses `encrypt`; throws when the key, the data or the associated data do not match. */
export function decrypt(key: Buffer, iv: Buffer, ciphertext: Buffer, associatedData: string): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(Buffer.from(associatedData, 'utf8'));
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - TAG_BYTES));
  return Buffer.concat([
    decipher.update(ciphertext.subarray(0, ciphertext.length - TAG_BYTES)),
    decipher.final(),
  ]);
}

/** Seals `plaintext` under a data key the caller already wrapped. */
export function sealWithDataKey(
  dataKey: Buffer,
  wrapper: Wrapper,
  wrappedKey: Buffer,
  plaintext: string,
  merchantId: string,
): string {
  const { iv, ciphertext } = encrypt(dataKey, Buffer.from(plaintext, 'utf8'), merchantId);
  return [VERSION, wrapper, wrappedKey, iv, ciphertext]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

export function parseEnvelope(sealed: string): Envelope {
  const [version, wrapper, wrappedKey, iv, ciphertext, ...rest] = sealed.split('.');
  if (version !== VERSION || (wrapper !== 'kms' && wrapper !== 'local') || !ciphertext || rest.length > 0)
    throw new SecretUnreadableError('not a sealed secret of a known format');
  const decode = (part: string) => Buffer.from(part, 'base64url');
  return { wrapper, wrappedKey: decode(wrappedKey!), iv: decode(iv!), ciphertext: decode(ciphertext) };
}

/** Opens an envelope once its data key is unwrapped. */
export function openWithDataKey(dataKey: Buffer, envelope: Envelope, merchantId: string): string {
  return decrypt(dataKey, envelope.iv, envelope.ciphertext, merchantId).toString('utf8');
}

/** Where the key-encryption key is: a KMS key in AWS, the local stack's key file on a laptop. */
export type KeyEncryptionKey = { readonly kmsKeyId: string } | { readonly localKeyFile: string };

export function keyEncryptionKey(env: NodeJS.ProcessEnv = process.env): KeyEncryptionKey {
  const kmsKeyId = setting(ENV.webhookSecretsKeyId, env);
  if (kmsKeyId) return { kmsKeyId };
  const localKeyFile = setting(ENV.webhookSecretsKeyFile, env);
  if (localKeyFile) return { localKeyFile };
  throw new ConfigurationError(
    `webhook secrets need a key: set ${ENV.webhookSecretsKeyId} (AWS) or ${ENV.webhookSecretsKeyFile} (local stack)`,
  );
}

/**
 * The local stack's key-encryption key: 32 random bytes (hex) in a git-ignored file the local stack generates.
 * It wraps each data key with AES-256-GCM where KMS would, in the same envelope format, so sealing, opening,
 * the column and the tests are those of AWS. KMS itself is not emulated: AWS ships no local KMS, the stack
 * runs real engines only, and the KMS calls' permissions are what could break in AWS — the readiness suite
 * checks those against the synthesized IAM.
 */
export function localSecretBox(keyFile: string): SecretSealer & SecretOpener {
  const key = Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'hex');
  if (key.length !== DATA_KEY_BYTES)
    throw new ConfigurationError(`${keyFile} does not hold a 256-bit key in hex`);
  return {
    async seal(plaintext, merchantId) {
      const dataKey = randomBytes(DATA_KEY_BYTES);
      const { iv, ciphertext } = encrypt(key, dataKey, merchantId);
      return sealWithDataKey(dataKey, 'local', Buffer.concat([iv, ciphertext]), plaintext, merchantId);
    },
    async open(sealed, merchantId) {
      const envelope = parseEnvelope(sealed);
      if (envelope.wrapper !== 'local')
        throw new SecretUnreadableError(`a ${envelope.wrapper}-sealed secret cannot be opened locally`);
      const dataKey = decrypt(
        key,
        envelope.wrappedKey.subarray(0, 12),
        envelope.wrappedKey.subarray(12),
        merchantId,
      );
      return openWithDataKey(dataKey, envelope, merchantId);
    },
  };
}
