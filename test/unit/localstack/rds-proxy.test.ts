import { describe, expect, it } from 'vitest';
import {
  errorResponse,
  functionsDatabaseUrl,
  protocolMessageTypes,
  REFUSALS,
  refusalOf,
  startupParameters,
} from '../../../localstack/src/engines/rds-proxy';

/** A StartupMessage as a client sends it: length, protocol version, then key/value pairs. */
function startupMessage(parameters: Record<string, string>, version = 196_608): Buffer {
  const body = Buffer.from(`${Object.entries(parameters).flat().join('\0')}\0\0`);
  const header = Buffer.alloc(8);
  header.writeInt32BE(body.length + 8, 0);
  header.writeInt32BE(version, 4);
  return Buffer.concat([header, body]);
}

describe('the local RDS Proxy startup check', () => {
  it('reads the startup parameters', () => {
    const parameters = startupParameters(startupMessage({ user: 'aspay', database: 'aspay' }));
    expect(Object.fromEntries(parameters)).toEqual({ user: 'aspay', database: 'aspay' });
  });

  it('accepts what the project pool sends', () => {
    expect(
      refusalOf(startupMessage({ user: 'aspay', database: 'aspay', client_encoding: 'UTF8' })),
    ).toBeUndefined();
  });

  it('refuses startup options with RDS Proxy message', () => {
    expect(refusalOf(startupMessage({ user: 'aspay', options: '-c TimeZone=UTC' }))).toEqual({
      sqlstate: '0A000',
      message: 'Feature not supported: RDS Proxy currently doesn’t support command-line options.',
    });
  });

  it('refuses other startup parameters by name', () => {
    expect(refusalOf(startupMessage({ user: 'aspay', statement_timeout: '1000' }))).toEqual({
      sqlstate: '0A000',
      message: "Feature not supported: RDS Proxy currently doesn't support the option statement_timeout.",
    });
  });

  it('refuses replication connections, a missing user and protocols other than 3', () => {
    expect(refusalOf(startupMessage({ user: 'aspay', replication: 'database' }))).toBe(REFUSALS.replication);
    expect(refusalOf(startupMessage({ database: 'aspay' }))).toBe(REFUSALS.missingUser);
    expect(refusalOf(startupMessage({ user: 'aspay' }, 2 << 16))).toBe(REFUSALS.protocol);
  });

  it('frames a refusal as a FATAL ErrorResponse', () => {
    const response = errorResponse({ sqlstate: '28000', message: 'This RDS Proxy requires TLS connections' });
    expect(response.toString('ascii', 0, 1)).toBe('E');
    expect(response.readInt32BE(1)).toBe(response.length - 1);
    expect(response.subarray(5).toString('utf8')).toBe(
      'SFATAL\0VFATAL\0C28000\0MThis RDS Proxy requires TLS connections\0\0',
    );
  });
});

describe('the functions database URL', () => {
  it('points the direct URL at the proxy with verified TLS', () => {
    const url = new URL(
      functionsDatabaseUrl('postgres://aspay:secret@127.0.0.1:5432/aspay_test', 5434, '/state/tls/proxy.crt'),
    );
    expect(url.host).toBe('127.0.0.1:5434');
    expect(url.username).toBe('aspay');
    expect(url.password).toBe('secret');
    expect(url.pathname).toBe('/aspay_test');
    expect(url.searchParams.get('sslmode')).toBe('verify-full');
    expect(url.searchParams.get('sslrootcert')).toBe('/state/tls/proxy.crt');
  });
});

/** A frontend protocol message: its type byte, then a length that counts itself, then the body. */
function message(type: string, body: string): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'ascii');
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, Buffer.from(body)]);
}

describe('protocolMessageTypes', () => {
  const stream = Buffer.concat([
    message('Q', 'BEGIN\0'),
    message('P', '\0INSERT INTO outbox VALUES ($1)\0\0\0'),
    message('B', '\0\0\0\0\0\0'),
    message('E', '\0\0\0\0\0'),
    message('S', ''),
    message('Q', 'COMMIT\0'),
  ]);

  it('names every message of a stream in order', () => {
    const types: string[] = [];
    protocolMessageTypes((type) => types.push(type))(stream);
    expect(types).toEqual(['Q', 'P', 'B', 'E', 'S', 'Q']);
  });

  it('finds the same messages whatever the chunking, down to single bytes', () => {
    for (const size of [1, 2, 3, 5, 7, 13]) {
      const types: string[] = [];
      const count = protocolMessageTypes((type) => types.push(type));
      for (let offset = 0; offset < stream.length; offset += size)
        count(stream.subarray(offset, offset + size));
      expect(types).toEqual(['Q', 'P', 'B', 'E', 'S', 'Q']);
    }
  });
});
