/**
 * What an HTTP answer from the bank means, decided in this one place, next to the connector that receives it
 * (http-bank.ts). Only `success` and `decline` settle
 * anything; every other class leaves the payment or refund waiting.
 */
export type BankAnswerClass =
  /** The bank did it. */
  | 'success'
  /** A definite "no" about this charge or refund: final. */
  | 'decline'
  /** Another call with this idempotency key is still running at the bank: its answer is the answer. */
  | 'in_flight'
  /** The bank may answer differently later: retried with backoff, counted by the circuit breaker. */
  | 'retry'
  /** The bank refuses our credentials: an operator must fix them. Never a decision about the payment. */
  | 'credentials'
  /** An answer our contract with the bank does not foresee: an operator must look. Never a decision. */
  | 'contract';

/** The error code with which the bank answers 409 while another call with the same key is running. */
export const BANK_KEY_IN_USE = 'idempotency_key_in_use';

const BANK_STATUS_CLASSES: Readonly<Record<number, (body: BankAnswerBody) => BankAnswerClass>> = {
  // Created / done: the bank's answer carries the charge or refund id.
  200: () => 'success',
  201: () => 'success',
  // Payment Required: the bank's definite decline of this charge.
  402: () => 'decline',
  // Unprocessable: a decline only when the bank says why (e.g. insufficient_funds); without a reason it is
  // a request the bank could not read, i.e. our mistake, and must not fail the customer's payment.
  422: (body) => (body.reason ? 'decline' : 'contract'),
  // Conflict: "key in use" means another call for this key is in flight, never an answer about the charge;
  // any other conflict (e.g. the key reused with other parameters) is a contract mismatch.
  409: (body) => (body.error === BANK_KEY_IN_USE ? 'in_flight' : 'contract'),
  // Request Timeout, Too Early, Too Many Requests: the bank did not decide; asking again later is the remedy.
  408: () => 'retry',
  425: () => 'retry',
  429: () => 'retry',
  // Unauthorized, Forbidden: our credentials or permissions are wrong; nothing about this payment.
  401: () => 'credentials',
  403: () => 'credentials',
};

export interface BankAnswerBody {
  readonly reason?: string;
  readonly error?: string;
}

/**
 * The class of a bank answer: the table above, then 5xx = retry (the bank is unhealthy, not the card bad),
 * and anything else (400, 404, other 4xx, 1xx/3xx) = contract (we and the bank disagree on the API).
 */
export function classifyBankAnswer(status: number, body: BankAnswerBody): BankAnswerClass {
  const byStatus = BANK_STATUS_CLASSES[status];
  if (byStatus) return byStatus(body);
  if (status >= 500 && status <= 599) return 'retry';
  return 'contract';
}

/** An answer only an operator can act on (our credentials, or a contract mismatch): never a payment decision. */
export interface BankAlarm {
  readonly operation: 'charge' | 'refund' | 'lookup';
  /** The HTTP status of the answer; 0 when there was none (the connector could not read its credentials). */
  readonly status: number;
  readonly answerClass: Extract<BankAnswerClass, 'credentials' | 'contract'>;
  readonly detail: string;
}

/** What every bank connector tells its wiring (configured-bank.ts), for logs, metrics and alarms. */
export interface BankConnectorHooks {
  /** Told when this instance opens the breaker (for logs and the CircuitBreakerOpen metric). */
  onBreak?: () => void;
  /** Told of every answer that needs an operator (for an error log and the BankContractErrors metric). */
  onAlarm?: (alarm: BankAlarm) => void;
}
