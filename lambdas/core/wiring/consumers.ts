import { consumedRecords } from '../adapters/kafka/msk-event';
import { databasePool } from '../adapters/postgres/connection';
import { postgresParkedPayments } from '../adapters/postgres/parked-payments';

/** How a consumer reads the MSK event's records, and where it parks the payments behind a dead letter. */
export function consumerWiring() {
  return { records: consumedRecords, parked: postgresParkedPayments(databasePool) };
}
