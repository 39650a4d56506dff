/** Runs the webhook sink on ASPAY_WEBHOOK_SINK_PORT. */
import { HOST, localPorts } from '../settings';
import { createWebhookSink } from './webhook-sink';

const port = localPorts().webhookSink;
const server = createWebhookSink();
server.listen(port, HOST, () => {
  console.log(
    JSON.stringify({ level: 'INFO', message: 'webhook sink listening', url: `http://${HOST}:${port}` }),
  );
});
const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
