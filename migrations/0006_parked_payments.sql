-- Up Migration

-- Payments a consumer parked: once it dead-letters an event of a payment, it dead-letters the payment's
-- later events too (they must not overtake the earlier one), until `aspay dlq redrive` clears the parking as
-- it puts the letters back on the topic in order. payment_id is the record key (a payment id for every
-- event; an unreadable record's key may be anything).
CREATE TABLE parked_payments (
  consumer         text NOT NULL,
  payment_id       text NOT NULL,
  -- The payment's first dead letter in this consumer (SQS message id): the letter to redrive first.
  first_letter_id  text NOT NULL,
  -- The last offset dead-lettered: a batch delivered again skips what it already dead-lettered.
  kafka_partition  integer NOT NULL,
  last_offset      bigint NOT NULL,
  parked_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, payment_id)
);

-- Down Migration
DROP TABLE parked_payments;
