/** The errors of the adapters, one base per area (the bank's are declared in bank/http-bank.ts for now). */
import { AspayError } from '../domain/errors';

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
