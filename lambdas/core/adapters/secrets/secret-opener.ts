import type { SecretOpener } from '../../use-cases/ports/secrets';
import { SecretUnreadableError } from '../errors';
import { keyEncryptionKey, localSecretBox, openWithDataKey, parseEnvelope } from './envelope';
import { decryptDataKey } from './kms';

/** Opens sealed secrets by unwrapping their data key with KMS (only kms:Decrypt), or with the local key. */
export function secretOpener(env: NodeJS.ProcessEnv = process.env): SecretOpener {
  const key = keyEncryptionKey(env);
  if ('localKeyFile' in key) return localSecretBox(key.localKeyFile);
  return {
    async open(sealed, merchantId) {
      const envelope = parseEnvelope(sealed);
      if (envelope.wrapper !== 'kms')
        throw new SecretUnreadableError(`a ${envelope.wrapper}-sealed secret cannot be opened with KMS`);
      const dataKey = await decryptDataKey(key.kmsKeyId, envelope.wrappedKey, merchantId);
      try {
        return openWithDataKey(dataKey, envelope, merchantId);
      } finally {
        dataKey.fill(0);
      }
    },
  };
}
