/**
 * Runs the work a bank-attempt claim was taken for. When it fails before recording an outcome (the database
 * went away after the bank answered, say), the claim is given back at once, so the redelivered event or the
 * next sweep can claim again and repeat the call under the same idempotency key, instead of every caller
 * waiting for the lease to expire. If giving it back fails too, the lease still ends the claim.
 */
export async function releasingClaimOnFailure<T>(
  work: () => Promise<T>,
  release: () => Promise<void>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    await release().catch(() => undefined);
    throw error;
  }
}
