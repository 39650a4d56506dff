/**
 * Runs the bank simulator on ASPAY_BANK_PORT with the latency from ASPAY_BANK_LATENCY_MS: the sandbox (test
 * mode) at its root, the live bank under /live.
 */

import { parseLatency } from '../../../lambdas/core/config/sandbox-bank';
import { localPorts } from '../settings';
import { serve } from '../support/serve';
import { createSandboxAndLiveBank } from './bank-simulator';

serve(
  createSandboxAndLiveBank({ latency: parseLatency(process.env.ASPAY_BANK_LATENCY_MS) }),
  localPorts().bank,
  'bank simulator',
);
