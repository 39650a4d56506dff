import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { ConfigurationError } from '../../config/errors';

/** Headers that authenticate one bank request, from its URL, method, headers and body. */
export type RequestSigner = (
  url: URL,
  request: { method: string; headers: Record<string, string>; body?: string },
) => Promise<Record<string, string>>;

/** SHA-256 (an HMAC with a secret) from node:crypto, in the shape SignatureV4 hashes with. */
class NodeSha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret
      ? createHmac('sha256', typeof secret === 'string' ? secret : Buffer.from(secret as ArrayBuffer))
      : createHash('sha256');
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(typeof data === 'string' ? data : Buffer.from(data as ArrayBuffer));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

/**
 * Signs bank requests with the function role's credentials (Signature Version 4, service `lambda`): a function
 * URL with AuthType AWS_IAM takes only SigV4-signed requests of principals allowed to invoke it
 * (https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html). The body is part of the signature, so
 * a signed request cannot be replayed with another body.
 */
export function awsIamSigner(region = process.env.AWS_REGION): RequestSigner {
  if (!region) throw new ConfigurationError('AWS_REGION is not set: cannot sign requests to the bank');
  const signer = new SignatureV4({
    service: 'lambda',
    region,
    credentials: defaultProvider(),
    sha256: NodeSha256,
  });
  return async (url, { method, headers, body }) => {
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { ...headers, host: url.host },
      body,
    });
    // fetch sets Host itself, to the same value.
    const { host: _host, ...rest } = signed.headers;
    return rest;
  };
}
