/**
 * Runs the local RDS Proxy on ASPAY_DB_PROXY_PORT in front of the PostgreSQL server at ASPAY_DB_PROXY_TARGET
 * (`host:port`), until SIGTERM or SIGINT.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { HOST, LOCAL_STACK_ENV, localPorts } from '../settings';
import { createRdsProxy, RDS_PROXY_MESSAGE_COUNTS, RDS_PROXY_TLS } from './rds-proxy';

const [host, port] = (process.env[LOCAL_STACK_ENV.rdsProxyTarget] ?? '').split(':');
if (!host || !port) {
  console.error('set ASPAY_DB_PROXY_TARGET to the host:port of the PostgreSQL server behind the proxy');
  process.exit(2);
}

const log = (entry: Record<string, unknown>) => console.log(JSON.stringify(entry));
const counts: Record<string, Record<string, number>> = {};
let countsChanged = false;
const proxy = createRdsProxy({
  target: { host, port: Number(port) },
  tls: { key: readFileSync(RDS_PROXY_TLS.key, 'utf8'), cert: readFileSync(RDS_PROXY_TLS.cert, 'utf8') },
  log,
  onClientMessage: (user, type) => {
    const ofUser = counts[user] ?? {};
    ofUser[type] = (ofUser[type] ?? 0) + 1;
    counts[user] = ofUser;
    countsChanged = true;
  },
});
const writeCounts = () => {
  // Renamed into place, so a reader never sees half a file.
  writeFileSync(`${RDS_PROXY_MESSAGE_COUNTS}.tmp`, JSON.stringify(counts));
  renameSync(`${RDS_PROXY_MESSAGE_COUNTS}.tmp`, RDS_PROXY_MESSAGE_COUNTS);
};
// A new proxy counts from zero: a previous proxy's file must not be read as this one's.
mkdirSync(dirname(RDS_PROXY_MESSAGE_COUNTS), { recursive: true });
writeCounts();
setInterval(() => {
  if (!countsChanged) return;
  countsChanged = false;
  writeCounts();
}, 1_000).unref();
const listenPort = localPorts().dbProxy;
proxy.listen(listenPort, HOST, () => {
  log({
    level: 'INFO',
    message: 'rds proxy listening',
    address: `${HOST}:${listenPort}`,
    target: `${host}:${port}`,
  });
});
// Exiting drops the open client connections at once, as a proxy going away does.
const stop = () => process.exit(0);
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
