import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
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
