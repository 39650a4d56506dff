import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigurationError } from '../../config/errors';
import type { SecretOpener, SecretSealer } from '../../use-cases/ports/secrets';
import { SecretUnreadableError } from '../errors';
import {
  DATA_KEY_BYTES,
  decrypt,
  encrypt,
  openWithDataKey,
  parseEnvelope,
  sealWithDataKey,
} from './envelope';

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
