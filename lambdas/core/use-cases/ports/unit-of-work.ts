/**
 * Runs `work` in one transaction: committed when it resolves, rolled back when it throws. A use case that must
 * decide while a row is locked reads, decides and has the adapter write, all through the transaction `Tx`.
 */
export type UnitOfWork<Tx> = <T>(work: (tx: Tx) => Promise<T>) => Promise<T>;
