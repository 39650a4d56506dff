/** The errors of the adapters, one base per area. */
import { AspayError } from '../domain/errors';

/** An error of the bank or of the way it is reached. */
export abstract class BankError extends AspayError {}

/** A failure worth retrying: the bank may answer differently next time (timeouts, 5xx, 408/425/429, connection errors). */
export class TransientBankError extends BankError {
  override readonly name = 'TransientBankError';
  readonly type = 'bank_unavailable';
}

/** The mail service cannot take mail for now (unreachable, timed out, throttled, a 4xx reply): try again later. */
export class MailUnavailableError extends AspayError {
  override readonly name = 'MailUnavailableError';
  readonly type = 'mail_unavailable';
}

/** An error of the database or of the way it is reached. */
export abstract class DatabaseError extends AspayError {}

/** The database's sessions do not run in UTC, so timestamps would be rendered and compared in another zone. */
export class SessionTimeZoneError extends DatabaseError {
  override readonly name = 'SessionTimeZoneError';
  readonly type = 'session_time_zone';
}

/** An error of sealing or opening merchants' secrets. */
export abstract class SecretError extends AspayError {}

/** A stored secret this code cannot open: an unknown format, or sealed by another key-encryption key. */
export class SecretUnreadableError extends SecretError {
  override readonly name = 'SecretUnreadableError';
  readonly type = 'secret_unreadable';
}

/** KMS answered without the key material the call asks for. */
export class KmsAnswerIncompleteError extends SecretError {
  override readonly name = 'KmsAnswerIncompleteError';
  readonly type = 'kms_answer_incomplete';
}

/** SQS answered a send without the message id: the letter cannot be named for its redrive. */
export class DeadLetterNotStoredError extends AspayError {
  override readonly name = 'DeadLetterNotStoredError';
  readonly type = 'dead_letter_not_stored';
}

/** A processor's event the route refuses before anything is stored: answered 400, so never retried as is. */
export abstract class ProcessorEventRefusedError extends AspayError {}

/** No signature, or none that the mode's endpoint secret made over this very body. */
export class ProcessorSignatureInvalidError extends ProcessorEventRefusedError {
  override readonly name = 'ProcessorSignatureInvalidError';
  readonly type = 'processor_signature_invalid';
  constructor() {
    super("The Stripe-Signature header is missing or does not sign this body with this endpoint's secret.");
  }
}

/** Signed, but longer ago than the replay window allows. */
export class ProcessorSignatureExpiredError extends ProcessorEventRefusedError {
  override readonly name = 'ProcessorSignatureExpiredError';
  readonly type = 'processor_signature_expired';
  constructor(toleranceSeconds: number) {
    super(`The event was signed more than ${toleranceSeconds} s ago (or in the future): it is not replayed.`);
  }
}

/** A live event on the test endpoint, or the other way round. */
export class ProcessorLivemodeMismatchError extends ProcessorEventRefusedError {
  override readonly name = 'ProcessorLivemodeMismatchError';
  readonly type = 'processor_livemode_mismatch';
  constructor(pathMode: string) {
    super(`This endpoint receives ${pathMode} mode events only.`);
  }
}
