import {
  InternalServerError,
  ProvisionedThroughputExceededException,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { BrokenCircuitError } from 'cockatiel';
import { KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded } from 'kafkajs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { TransientBankError } from '../../../lambdas/core/adapters/bank/http-bank';
import {
  CurrencyMismatchError,
  IllegalTransitionError,
  StoredDataInvalidError,
  UnreadableRecordError,
  UnsupportedEventError,
} from '../../../lambdas/core/domain/errors';
import { classifyFailure } from '../../../lambdas/core/messaging/failure-classification';
import {
  DependencyStillUnavailableError,
  ParkedBehindDeadLetterError,
  WaitingForEarlierEventError,
} from '../../../lambdas/core/use-cases/errors';

function sqlState(code: string): pg.DatabaseError {
  const error = new pg.DatabaseError('database error', 0, 'error');
  error.code = code;
  return error;
}

const errno = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code });
const awsMetadata = { httpStatusCode: 500, attempts: 3, totalRetryDelay: 0 };

describe('classifyFailure', () => {
  it.each([
    ['a PostgreSQL connection exception (class 08)', sqlState('08006')],
    ['PostgreSQL out of connections (class 53)', sqlState('53300')],
    ['a PostgreSQL shutting down or starting (57P01, 57P03)', sqlState('57P03')],
    ['a serialization failure', sqlState('40001')],
    ['a deadlock', sqlState('40P01')],
    ['a refused connection', errno('ECONNREFUSED')],
    ['a reset connection', errno('ECONNRESET')],
    ['a timed-out connection', errno('ETIMEDOUT')],
    ['a broken pipe', errno('EPIPE')],
    ['a DNS failure', errno('EAI_AGAIN')],
    ['a connection lost mid-query (pg)', new Error('Connection terminated unexpectedly')],
    ['a pool that could not connect in time (pg-pool)', new Error('timeout exceeded when trying to connect')],
    ['a refused connection wrapped in an AggregateError', new AggregateError([errno('ECONNREFUSED')], '')],
    ['a Kafka connection error', new KafkaJSConnectionError('Connection timeout')],
    [
      'Kafka retries exhausted on a connection error',
      new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError('Connection error'), {
        retryCount: 5,
        retryTime: 100,
      }),
    ],
    [
      'DynamoDB throttling',
      new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: awsMetadata }),
    ],
    ['a DynamoDB 5xx', new InternalServerError({ message: 'oops', $metadata: awsMetadata })],
    ['an AWS error the SDK marks retryable', Object.assign(new Error('x'), { $retryable: {} })],
    ['the bank unavailable', new TransientBankError('bank answered 503')],
    ['the bank circuit open', new BrokenCircuitError()],
    [
      'a batch given up on a dependency still unavailable (by its cause)',
      new DependencyStillUnavailableError(errno('ECONNREFUSED')),
    ],
  ])('calls %s transient', (_, error) => {
    expect(classifyFailure(error).kind).toBe('transient');
  });

  it.each([
    ['an unreadable record', new UnreadableRecordError('the record is not valid UTF-8')],
    ['an event failing its schema or of another major version', new UnsupportedEventError('version 2.0')],
    ['a domain rule violation', new IllegalTransitionError('FAILED', 'SUCCESS')],
    ['a refund whose capture the ledger has not seen', new WaitingForEarlierEventError('pay-1')],
    ['a constraint violation (class 23)', sqlState('23505')],
    ['a non-retriable Kafka error', new KafkaJSNonRetriableError('unsupported magic byte')],
    [
      'an AWS client error',
      new ResourceNotFoundException({ message: 'no table', $metadata: { httpStatusCode: 400 } }),
    ],
    [
      "a record parked behind its payment's dead letter",
      new ParkedBehindDeadLetterError('pay-1', { letterId: 'letter-1', partition: 0, lastOffset: 7 }),
    ],
    ['amounts of two currencies combined', new CurrencyMismatchError('cannot combine USD with EUR')],
    ['a stored row breaking its rules', new StoredDataInvalidError('unknown stored currency "XXX"')],
    ['an unknown error (a bug fails the same way every time)', new TypeError('x is undefined')],
    ['something thrown that is not an Error', 'boom'],
  ])('calls %s poison', (_, error) => {
    expect(classifyFailure(error).kind).toBe('poison');
  });
});
