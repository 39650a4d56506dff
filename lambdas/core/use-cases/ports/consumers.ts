/** What the Kafka consumers read, and where they sideline what they cannot handle. */

/** One Kafka record as the consumers see it, decoded from the MSK event source mapping's event. */
export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}

/** Where records that still fail after every attempt are sidelined, with everything needed to redrive them. */
export interface DeadLetterQueue {
  /** Resolves with the letter's id in the queue once it is stored. */
  send(letter: DeadLetter): Promise<string>;
}

export interface DeadLetter {
  readonly consumer: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  /** The original value: UTF-8 text when it is valid UTF-8, else base64. */
  readonly payload: string;
  readonly payloadEncoding: 'utf8' | 'base64';
  readonly headers: Readonly<Record<string, string>>;
  readonly attempts: number;
  readonly lastError: string;
  readonly failedAt: string;
}

/** A payment a consumer parked: it dead-lettered one of its events, so its later events wait behind it. */
export interface Parking {
  /** The payment's first dead letter in this consumer: the one to redrive first. */
  readonly letterId: string;
  readonly partition: number;
  /** The payment's last offset this consumer dead-lettered (a redelivered batch skips up to it). */
  readonly lastOffset: number;
}

/** Parked payments per consumer; `aspay dlq redrive` clears a payment's parking as it redrives its letters. */
export interface ParkedPayments {
  find(consumer: string, paymentIds: readonly string[]): Promise<Map<string, Parking>>;
  /** Records the parking, keeping the first letter id of a payment already parked. */
  park(consumer: string, paymentId: string, parking: Parking): Promise<void>;
}
