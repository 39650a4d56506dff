/**
 * Runs the bank simulator on ASPAY_BANK_PORT with the latency from ASPAY_BANK_LATENCY_MS: the sandbox (test
 * mode) at its root, the live bank under /live.
 */

import { parseLatency } from '../../../lambdas/core/config/sandbox-bank';
import { LOCAL_STACK_ENV, localPorts } from '../settings';
import { serve } from '../support/serve';
import { createSandboxAndLiveBank } from './bank-simulator';

serve(
  createSandboxAndLiveBank({ latency: parseLatency(process.env[LOCAL_STACK_ENV.bankLatencyMs]) }),
  localPorts().bank,
  'bank simulator',
);
