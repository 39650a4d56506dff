import { describe, expect, it } from 'vitest';
import { namedQuery } from '../../../../lambdas/core/adapters/postgres/sql';

describe('named SQL parameters', () => {
  it('numbers each name once, in order of first use, with its value', () => {
    expect(
      namedQuery('UPDATE t SET a = :a, b = :b WHERE id = :id AND a <> :a', { id: 'x', b: 2, a: 1 }),
    ).toEqual({ text: 'UPDATE t SET a = $1, b = $2 WHERE id = $3 AND a <> $1', values: [1, 2, 'x'] });
  });

  it('leaves type casts as they are, after a placeholder too', () => {
    expect(namedQuery("SELECT :id::uuid, now()::text, '{}'::jsonb", { id: 'x' })).toEqual({
      text: "SELECT $1::uuid, now()::text, '{}'::jsonb",
      values: ['x'],
    });
  });

  it('refuses a placeholder without a value and a value without a placeholder', () => {
    expect(() => namedQuery('SELECT :a, :b', { a: 1 })).toThrow('no value for the SQL parameter :b');
    expect(() => namedQuery('SELECT :a', { a: 1, b: 2 })).toThrow('SQL parameters without a placeholder: b');
  });

  it('keeps a null or undefined value as given', () => {
    expect(namedQuery('SELECT :a, :b', { a: null, b: undefined }).values).toEqual([null, undefined]);
  });
});
