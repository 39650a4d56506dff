/** A local-stack failure that is explained in one line to the person at the terminal (no stack trace). */
export class StackError extends Error {
  override readonly name = 'StackError';
}
