/** Runs the bank simulator on ASPAY_BANK_PORT with the latency from ASPAY_BANK_LATENCY_MS. */
import { HOST, localPorts } from '../settings';
import { createBankSimulator, parseLatency } from './bank-simulator';

const port = localPorts().bank;
const server = createBankSimulator({ latency: parseLatency(process.env.ASPAY_BANK_LATENCY_MS) });
server.listen(port, HOST, () => {
  console.log(
    JSON.stringify({ level: 'INFO', message: 'bank simulator listening', url: `http://${HOST}:${port}` }),
  );
});
const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
