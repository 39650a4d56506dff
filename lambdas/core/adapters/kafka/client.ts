import { Kafka, type KafkaConfig, logLevel } from 'kafkajs';

/**
 * kafkajs (in maintenance mode) arms timers with negative delays on Node.js 22+, which Node reports as a
 * TimeoutNegativeWarning on every connection; the timer still fires at once, as kafkajs intends. Dropping only
 * that warning keeps the logs and one-line CLI errors clean without hiding any other warning.
 */
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
  if (type === 'TimeoutNegativeWarning') return;
  (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;

/** A kafkajs client with ASPay's defaults: quiet unless something is wrong. */
export function createKafka(config: KafkaConfig): Kafka {
  return new Kafka({ logLevel: logLevel.ERROR, ...config });
}
