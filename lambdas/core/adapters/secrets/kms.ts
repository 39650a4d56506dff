import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { KmsAnswerIncompleteError } from '../errors';

/**
 * KMS calls of the envelope encryption, the merchant id as the encryption context: KMS refuses to unwrap a data
 * key under any other context, and CloudTrail records whose secret was opened.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateDataKey.html
 * https://docs.aws.amazon.com/kms/latest/developerguide/encrypt_context.html
 */
let client: KMSClient | undefined;
const kms = () => {
  client ??= new KMSClient({});
  return client;
};

const contextOf = (merchantId: string) => ({ merchantId });

export async function generateDataKey(
  keyId: string,
  merchantId: string,
): Promise<{ plaintext: Buffer; wrapped: Buffer }> {
  const result = await kms().send(
    new GenerateDataKeyCommand({
      KeyId: keyId,
      KeySpec: 'AES_256',
      EncryptionContext: contextOf(merchantId),
    }),
  );
  if (!result.Plaintext || !result.CiphertextBlob)
    throw new KmsAnswerIncompleteError('KMS returned no data key');
  return { plaintext: Buffer.from(result.Plaintext), wrapped: Buffer.from(result.CiphertextBlob) };
}

export async function decryptDataKey(keyId: string, wrapped: Buffer, merchantId: string): Promise<Buffer> {
  const result = await kms().send(
    new DecryptCommand({ KeyId: keyId, CiphertextBlob: wrapped, EncryptionContext: contextOf(merchantId) }),
  );
  if (!result.Plaintext) throw new KmsAnswerIncompleteError('KMS returned no plaintext');
  return Buffer.from(result.Plaintext);
}
