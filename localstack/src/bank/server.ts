/** Runs the bank simulator on ASPAY_BANK_PORT with the latency from ASPAY_BANK_LATENCY_MS. */
import { localPorts } from '../settings';
import { serve } from '../support/serve';
import { createBankSimulator, parseLatency } from './bank-simulator';

serve(
  createBankSimulator({ latency: parseLatency(process.env.ASPAY_BANK_LATENCY_MS) }),
  localPorts().bank,
  'bank simulator',
);
