import { describe, expect, it } from 'vitest';
import { BANK_KEY_IN_USE, classifyBankAnswer } from '../../../lambdas/core/adapters/bank/bank-answers';

describe('the bank status table', () => {
  it.each([
    [200, {}, 'success'],
    [201, {}, 'success'],
    [402, { reason: 'card_declined' }, 'decline'],
    [402, {}, 'decline'],
    [422, { reason: 'insufficient_funds' }, 'decline'],
    [409, { error: BANK_KEY_IN_USE }, 'in_flight'],
    [408, {}, 'retry'],
    [425, {}, 'retry'],
    [429, {}, 'retry'],
    [500, {}, 'retry'],
    [503, {}, 'retry'],
    [504, {}, 'retry'],
    [401, {}, 'credentials'],
    [403, {}, 'credentials'],
  ] as const)('reads %i %j as %s', (status, body, expected) => {
    expect(classifyBankAnswer(status, body)).toBe(expected);
  });

  it.each([
    [400, {}],
    [404, { error: 'not_found' }],
    [405, {}],
    [410, {}],
    [418, {}],
    [422, {}],
    [409, { error: 'idempotency_key_reused' }],
    [302, {}],
  ] as const)(
    'never decides a payment from %i %j: it is a contract mismatch for an operator',
    (status, body) => {
      expect(classifyBankAnswer(status, body)).toBe('contract');
    },
  );
});
