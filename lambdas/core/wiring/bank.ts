import { configuredBanks } from '../adapters/bank/configured-bank';
import { bankSettings } from '../config/bank';
import { systemClock } from '../use-cases/ports/clock';

/**
 * The bank settings and the banks per mode, each behind its breaker: built once per container, at module
 * load (like the Powertools singletons in observability.ts), for every invocation to share. One module per
 * area, so a function imports (and is granted) only what it uses.
 */
export function bankWiring() {
  const settings = bankSettings();
  return { settings, banks: configuredBanks(settings), clock: systemClock };
}
