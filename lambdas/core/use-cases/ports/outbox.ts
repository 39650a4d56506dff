/** The outbox as the relay reads it, and the broker it publishes to. */

export interface PublishableEvent {
  readonly eventId: string;
  readonly type: string;
  /** Partition key: the payment id. */
  readonly key: string;
  readonly value: string;
}

export interface EventPublisher {
  /** Resolves once the broker has acknowledged every event, in order. */
  publish(events: readonly PublishableEvent[]): Promise<void>;
}

export interface ClaimedOutboxBatch {
  /** Unpublished events of the claimed payments, each payment's in version order. */
  readonly events: readonly (PublishableEvent & { readonly outboxId: string })[];
  /** Marks the events published and releases the claim (one commit). */
  markPublished(): Promise<void>;
  /** Releases the claim without marking anything (the events are relayed again later). */
  release(): Promise<void>;
}

export interface Outbox {
  /**
   * Claims the payments with the oldest unpublished events, at most `maxPayments`, so that no other relay
   * publishes events of those payments until this claim ends.
   */
  claim(maxPayments: number): Promise<ClaimedOutboxBatch>;
  /** Seconds since the oldest unpublished event was written (0 when none waits). */
  lagSeconds(): Promise<number>;
  /** Deletes published events older than the retention; returns how many. */
  prunePublished(olderThan: Date, limit: number): Promise<number>;
}
