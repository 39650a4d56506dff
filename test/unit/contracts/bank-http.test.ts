import { bankContract } from '../../contracts/bank.contract';
import { connectorEnv, privateBankSimulator, testHttpBank } from '../../support/bank-simulator';

/** The HTTP connector against ASPay's bank simulator (its sandbox contract and test tokens), in this process. */
const url = await privateBankSimulator();

const bookOf = async () =>
  (await (await fetch(`${url}/admin/charges`)).json()) as {
    charges: { reference: string }[];
    refunds: { idempotencyKey: string }[];
  };

const noArming = async () => undefined;

bankContract('HTTP, ASPay bank simulator', {
  connector: (options) => testHttpBank(url, connectorEnv(options)),
  sources: { approved: 'tok_success', insufficientFunds: 'tok_insufficient_funds' },
  // Charges and refunds of `tok_slow_answer` are made, and answered after 3 s.
  chargeAnswerLost: { source: 'tok_slow_answer', arm: noArming },
  refundAnswerLost: { source: 'tok_slow_answer', arm: noArming },
  refundRefused: { source: 'tok_refund_rejected', refundedInFullFirst: false, reason: 'refund_rejected' },
  chargesFor: async (paymentId) =>
    (await bookOf()).charges.filter((charge) => charge.reference === paymentId).length,
  refundsFor: async (refundId) =>
    (await bookOf()).refunds.filter((refund) => refund.idempotencyKey === refundId).length,
});
