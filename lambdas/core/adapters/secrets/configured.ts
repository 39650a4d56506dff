import { ENV } from '../../config/environment';
import { ConfigurationError } from '../../config/errors';
import { setting } from '../../config/settings';

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
