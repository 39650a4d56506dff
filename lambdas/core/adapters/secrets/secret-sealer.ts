import type { SecretSealer } from '../../use-cases/ports/secrets';
import { keyEncryptionKey, localSecretBox, sealWithDataKey } from './envelope';
import { generateDataKey } from './kms';

/** Seals secrets under a fresh KMS data key each (only kms:GenerateDataKey), or with the local key. */
export function secretSealer(env: NodeJS.ProcessEnv = process.env): SecretSealer {
  const key = keyEncryptionKey(env);
  if ('localKeyFile' in key) return localSecretBox(key.localKeyFile);
  return {
    async seal(plaintext, merchantId) {
      const dataKey = await generateDataKey(key.kmsKeyId, merchantId);
      try {
        return sealWithDataKey(dataKey.plaintext, 'kms', dataKey.wrapped, plaintext, merchantId);
      } finally {
        dataKey.plaintext.fill(0);
      }
    },
  };
}
