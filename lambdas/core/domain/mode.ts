/**
 * Test and live mode, as Stripe has them. A merchant has a key per mode; everything a key creates belongs to
 * its mode for good, is invisible to the other mode's key, and only live mode ever reaches the live bank.
 */
export const MODES = ['test', 'live'] as const;
export type Mode = (typeof MODES)[number];

/** How the API, events and webhooks show a mode (Stripe's `livemode`). */
export function isLivemode(mode: Mode): boolean {
  return mode === 'live';
}

/**
 * The mode of an event or message that says `livemode` (or, written before modes existed, nothing): anything
 * but an explicit `true` is test, so nothing can be taken for real money by omission.
 */
export function modeOfLivemode(livemode: boolean | undefined): Mode {
  return livemode === true ? 'live' : 'test';
}

export function isMode(value: unknown): value is Mode {
  return (MODES as readonly unknown[]).includes(value);
}
