import type { Server } from 'node:http';
import { HOST } from '../settings';

/** Runs one of the stack's small HTTP services until SIGTERM or SIGINT, announcing itself in its log. */
export function serve(server: Server, port: number, name: string): void {
  server.listen(port, HOST, () => {
    console.log(
      JSON.stringify({ level: 'INFO', message: `${name} listening`, url: `http://${HOST}:${port}` }),
    );
  });
  const stop = () => server.close(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
