/**
 * The local API: the REST API emulation in front of the Lambda handlers, plus `GET /health`, which reports
 * each engine of the local stack (200 when all are up, 503 naming those that are not).
 */
import { createServer } from 'node:http';
import { API_ROUTES } from '../../../lambdas/core/config/routes';
import { HOST, localPorts } from '../settings';
import { engines } from '../stack';
import { restApiGateway } from './rest-api';

const ports = localPorts();
const all = engines(ports);
const gateway = restApiGateway(API_ROUTES);

async function health(): Promise<{ status: number; body: unknown }> {
  const checks = await Promise.all(
    Object.values(all).map(async (engine) => {
      const healthy = await engine.isHealthy().catch(() => false);
      return [engine.name, healthy ? 'up' : 'down'] as const;
    }),
  );
  const down = checks.filter(([, state]) => state === 'down').map(([name]) => name);
  return {
    status: down.length === 0 ? 200 : 503,
    body: {
      status: down.length === 0 ? 'up' : 'down',
      engines: Object.fromEntries(checks),
      ...(down.length ? { down } : {}),
    },
  };
}

const server = createServer((request, response) => {
  if (request.url === '/health' && request.method === 'GET') {
    health().then(({ status, body }) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    });
    return;
  }
  void gateway(request, response);
});

server.listen(ports.api, HOST, () => {
  console.log(
    JSON.stringify({ level: 'INFO', message: 'local API listening', url: `http://${HOST}:${ports.api}` }),
  );
});

const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
