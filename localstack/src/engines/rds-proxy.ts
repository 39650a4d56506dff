/**
 * A local stand-in for RDS Proxy in front of PostgreSQL: the Lambda handlers' database traffic goes through it,
 * so a client that AWS's proxy would refuse is refused on a laptop too, with the same message.
 *
 * It is a hand-written `net`/`tls` proxy rather than `pg-gateway`: pg-gateway terminates the protocol and
 * runs authentication itself (its 0.3 line is still pre-release), while this proxy only has to read one
 * startup packet, check it, and then pipe bytes both ways so PostgreSQL authenticates the client as usual.
 *
 * Refusals, with RDS Proxy's messages from
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.troubleshooting.html (PostgreSQL):
 * plaintext when TLS is required (`requireTLS: true` in lib/data.ts), a protocol other than 3.x, replication
 * connections, a missing user name, startup `options` and any other startup parameter beyond the few below.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';
import tls from 'node:tls';
import { generate } from 'selfsigned';
import { HOST, RUN_DIR, STATE_DIR } from '../settings';

const SSL_REQUEST = 80_877_103;
const GSSENC_REQUEST = 80_877_104;
const CANCEL_REQUEST = 80_877_102;
const PROTOCOL_3 = 3;
/** PostgreSQL itself refuses startup packets above 10 000 bytes. */
const MAX_STARTUP_PACKET = 10_000;

/**
 * Startup parameters RDS Proxy accepts. Others are refused: observed for `statement_timeout` and `jit`; the
 * proxy may accept a few more, so locally we err on the strict side (a refusal here is cheaper than in AWS).
 */
const ACCEPTED_PARAMETERS = new Set(['user', 'database', 'application_name', 'client_encoding']);

export interface Refusal {
  sqlstate: string;
  message: string;
}

export const REFUSALS = {
  plaintext: { sqlstate: '28000', message: 'This RDS Proxy requires TLS connections' },
  protocol: {
    sqlstate: '0A000',
    message:
      'Feature not supported: RDS Proxy supports only version 3.0 of the PostgreSQL messaging protocol.',
  },
  replication: {
    sqlstate: '0A000',
    message: "Feature not supported: RDS Proxy currently doesn't support streaming replication mode.",
  },
  missingUser: {
    sqlstate: '28000',
    message:
      'A user name is missing from the connection startup packet. Provide a user name for this connection.',
  },
  // The wording (with its typographic apostrophe) as clients report it: psycopg/psycopg2#1577, stac-utils/pgstac#156.
  commandLineOptions: {
    sqlstate: '0A000',
    message: 'Feature not supported: RDS Proxy currently doesn’t support command-line options.',
  },
  option: (name: string): Refusal => ({
    sqlstate: '0A000',
    message: `Feature not supported: RDS Proxy currently doesn't support the option ${name}.`,
  }),
} as const;

/** The key/value pairs of a StartupMessage (after its length and protocol version). */
export function startupParameters(packet: Buffer): Map<string, string> {
  const parameters = new Map<string, string>();
  let offset = 8;
  while (offset < packet.length && packet[offset] !== 0) {
    const keyEnd = packet.indexOf(0, offset);
    const valueEnd = packet.indexOf(0, keyEnd + 1);
    if (keyEnd < 0 || valueEnd < 0) break;
    parameters.set(packet.toString('utf8', offset, keyEnd), packet.toString('utf8', keyEnd + 1, valueEnd));
    offset = valueEnd + 1;
  }
  return parameters;
}

/** Why RDS Proxy would refuse this StartupMessage (received over TLS), or undefined when it would accept it. */
export function refusalOf(packet: Buffer): Refusal | undefined {
  if (packet.readInt32BE(4) >>> 16 !== PROTOCOL_3) return REFUSALS.protocol;
  const parameters = startupParameters(packet);
  if (parameters.has('replication')) return REFUSALS.replication;
  if (!parameters.get('user')) return REFUSALS.missingUser;
  if (parameters.has('options')) return REFUSALS.commandLineOptions;
  const unsupported = [...parameters.keys()].find((name) => !ACCEPTED_PARAMETERS.has(name));
  return unsupported ? REFUSALS.option(unsupported) : undefined;
}

/** A FATAL ErrorResponse ('E') as the PostgreSQL protocol frames it. */
export function errorResponse({ sqlstate, message }: Refusal): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${sqlstate}\0M${message}\0\0`, 'utf8');
  const header = Buffer.alloc(5);
  header.write('E', 0, 'ascii');
  header.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([header, fields]);
}

type Stream = net.Socket | tls.TLSSocket;

/** Reads one length-prefixed startup packet; leaves the stream paused with any later bytes in `rest`. */
function readStartupPacket(stream: Stream): Promise<{ packet: Buffer; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const done = () => {
      stream.off('data', onData);
      stream.off('end', onClose);
      stream.off('error', onClose);
      stream.pause();
    };
    const onClose = () => {
      done();
      reject(new Error('the client left before its startup packet'));
    };
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < 4) return;
      const length = buffered.readInt32BE(0);
      if (length < 8 || length > MAX_STARTUP_PACKET) {
        done();
        reject(new Error(`invalid startup packet length ${length}`));
        return;
      }
      if (buffered.length < length) return;
      done();
      resolve({ packet: buffered.subarray(0, length), rest: buffered.subarray(length) });
    };
    stream.on('data', onData);
    stream.once('end', onClose);
    stream.once('error', onClose);
    stream.resume();
  });
}

/**
 * Splits a client's stream of protocol messages (after its startup packet: a type byte, then a length that
 * counts itself) and calls `onMessage` with each message's type, whatever the chunking. Counting them is how
 * `npm run bench` sees a payment's round trips: a simple Query ('Q') or an extended query's Sync ('S') each
 * wait for the server's answer.
 */
export function protocolMessageTypes(onMessage: (type: string) => void): (chunk: Buffer) => void {
  // It runs on every chunk a client sends: a header is read where it lies in the chunk, and only one split
  // across chunks is copied, into this buffer of its 5 bytes.
  const header = Buffer.alloc(5);
  let headerBytes = 0;
  let skip = 0;
  return (chunk) => {
    let offset = 0;
    while (offset < chunk.length) {
      if (skip > 0) {
        const skipped = Math.min(skip, chunk.length - offset);
        skip -= skipped;
        offset += skipped;
      } else if (headerBytes === 0 && chunk.length - offset >= 5) {
        onMessage(String.fromCharCode(chunk[offset] as number));
        skip = chunk.readInt32BE(offset + 1) - 4;
        offset += 5;
      } else {
        const taken = Math.min(5 - headerBytes, chunk.length - offset);
        chunk.copy(header, headerBytes, offset, offset + taken);
        headerBytes += taken;
        offset += taken;
        if (headerBytes < 5) return;
        onMessage(String.fromCharCode(header[0] as number));
        skip = header.readInt32BE(1) - 4;
        headerBytes = 0;
      }
    }
  };
}

/**
 * Where the running proxy keeps its message counts (`{ [user]: { [type]: count } }`, rewritten every second while
 * they change): read by `npm run bench`.
 */
export const RDS_PROXY_MESSAGE_COUNTS = join(RUN_DIR, 'rds-proxy.messages.json');

export interface RdsProxyOptions {
  /** The PostgreSQL server behind the proxy. */
  target: { host: string; port: number };
  tls: { key: string; cert: string };
  log?: (entry: Record<string, unknown>) => void;
  /** Called with the user of the session and the type of every message a client sends after its startup. */
  onClientMessage?: (user: string, type: string) => void;
}

/** The proxy as a `net.Server` (not yet listening). */
export function createRdsProxy({
  target,
  tls: credentials,
  log = () => undefined,
  onClientMessage,
}: RdsProxyOptions): net.Server {
  const secureContext = tls.createSecureContext({ ...credentials, minVersion: 'TLSv1.2' });

  const refuse = (stream: Stream, refusal: Refusal) => {
    log({
      level: 'WARN',
      message: 'refused a connection',
      sqlstate: refusal.sqlstate,
      reason: refusal.message,
    });
    stream.end(errorResponse(refusal));
  };

  const forward = (client: Stream, firstBytes: Buffer, user?: string) => {
    const upstream = net.connect({ port: target.port, host: target.host, noDelay: true });
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      upstream.write(firstBytes);
      if (onClientMessage && user !== undefined) {
        const count = protocolMessageTypes((type) => onClientMessage(user, type));
        client.on('data', count);
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    upstream.once('error', (error) => {
      if (connected) client.destroy();
      else refuse(client, { sqlstate: '08001', message: `Request returned an error: ${error.message}` });
    });
    client.once('error', () => upstream.destroy());
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  };

  const afterTls = async (secure: tls.TLSSocket) => {
    const { packet, rest } = await readStartupPacket(secure);
    const code = packet.readInt32BE(4);
    // A cancel request names a backend by its key; PostgreSQL checks it, so it is passed on as it is.
    if (code === CANCEL_REQUEST) return forward(secure, packet);
    if (code === SSL_REQUEST || code === GSSENC_REQUEST) return secure.destroy();
    const refusal = refusalOf(packet);
    if (refusal) return refuse(secure, refusal);
    forward(secure, packet, startupParameters(packet).get('user') ?? '');
    // Bytes that came with the startup packet are the client's first messages: counted like the rest.
    if (rest.length) secure.unshift(rest);
  };

  const handle = async (socket: net.Socket) => {
    let { packet } = await readStartupPacket(socket);
    let code = packet.readInt32BE(4);
    if (code === GSSENC_REQUEST) {
      // No GSSAPI encryption: 'N' tells the client to go on with an SSLRequest or a plain startup.
      socket.write('N');
      ({ packet } = await readStartupPacket(socket));
      code = packet.readInt32BE(4);
    }
    if (code === CANCEL_REQUEST) return forward(socket, packet);
    if (code !== SSL_REQUEST) return refuse(socket, REFUSALS.plaintext);
    socket.write('S');
    const secure = new tls.TLSSocket(socket, { isServer: true, secureContext });
    secure.on('error', () => socket.destroy());
    await afterTls(secure);
  };

  // No Nagle on either side, as PostgreSQL and node-postgres set on their own sockets: a proxy that holds back
  // a response's last small segment until the previous one is acknowledged adds the peer's delayed-ACK
  // timeout (40 ms on Linux) to a query instead of the proxy's own overhead.
  return net.createServer({ noDelay: true }, (socket) => {
    socket.on('error', () => socket.destroy());
    handle(socket).catch((error: Error) => {
      log({ level: 'WARN', message: 'dropped a connection', reason: error.message });
      socket.destroy();
    });
  });
}

/** Where the proxy's self-signed certificate lives: the git-ignored local state. */
export const RDS_PROXY_TLS = {
  cert: join(STATE_DIR, 'tls', 'rds-proxy.crt'),
  key: join(STATE_DIR, 'tls', 'rds-proxy.key'),
};

const DAY_MS = 86_400_000;

/**
 * Creates the proxy's certificate (for localhost and 127.0.0.1) on first start, and again once it is about to
 * expire. Clients trust it as their root (`sslrootcert`), so they verify the proxy as a Lambda verifies the
 * real one against the RDS CA. `selfsigned` rather than the `openssl` CLI, which not every machine has.
 */
export async function ensureRdsProxyCertificate(paths = RDS_PROXY_TLS): Promise<void> {
  if (existsSync(paths.cert) && existsSync(paths.key)) {
    const validTo = Date.parse(new X509Certificate(readFileSync(paths.cert)).validTo);
    if (validTo - Date.now() > DAY_MS) return;
  }
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 3_650 * DAY_MS),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: HOST },
        ],
      },
    ],
  });
  mkdirSync(dirname(paths.cert), { recursive: true });
  writeFileSync(paths.key, pems.private, { mode: 0o600 });
  writeFileSync(paths.cert, pems.cert);
}

/**
 * The URL the Lambda handlers use: the direct database URL pointed at the proxy, with TLS verified against the
 * proxy's certificate (pg-connection-string: `sslmode=verify-full` keeps `rejectUnauthorized`, `sslrootcert`
 * becomes `ssl.ca`).
 */
export function functionsDatabaseUrl(
  directUrl: string,
  proxyPort: number,
  rootCert = RDS_PROXY_TLS.cert,
): string {
  const url = new URL(directUrl);
  url.hostname = HOST;
  url.port = String(proxyPort);
  url.searchParams.set('sslmode', 'verify-full');
  url.searchParams.set('sslrootcert', rootCert);
  return url.toString();
}

/** The host and port of the PostgreSQL server a database URL names. */
export function serverOf(databaseUrl: string): { host: string; port: number } {
  const url = new URL(databaseUrl);
  return { host: url.hostname || HOST, port: Number(url.port || 5432) };
}
