import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROBLEM_TYPES } from '../../../lambdas/core/config/problems';
import { DomainError } from '../../../lambdas/core/domain/errors';

const LAMBDAS = join(import.meta.dirname, '../../../lambdas');

/** Errors that extend Error directly, outside the family, and why. */
const OUTSIDE_THE_FAMILY = new Set([
  // The family's root.
  'AspayError@domain/errors.ts',
]);

interface DeclaredError {
  readonly name: string;
  readonly base: string;
  readonly abstract: boolean;
  readonly body: string;
  readonly file: string;
}

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every class of lambdas/ whose base is named like an error, with its body (up to its closing brace). */
function declaredErrors(): DeclaredError[] {
  return sourceFiles(LAMBDAS).flatMap((path) => {
    const source = readFileSync(path, 'utf8');
    const file = path.slice(join(LAMBDAS, 'core/').length);
    return [
      ...source.matchAll(/^(?:export )?(abstract )?class (\w+) extends (\w*Error) \{(\}|.*?^\})/gms),
    ].map(([, abstract, name, base, body]) => ({
      name: name!,
      base: base!,
      abstract: !!abstract,
      body: body!,
      file,
    }));
  });
}

describe('the error family', () => {
  const errors = declaredErrors();
  // The bases of the family, AspayError's descendants that others extend; a member is a class on one of them.
  const bases = new Set(['AspayError']);
  for (let grown = true; grown; ) {
    grown = false;
    for (const error of errors)
      if (bases.has(error.base) && error.abstract && !bases.has(error.name)) {
        bases.add(error.name);
        grown = true;
      }
  }
  const inFamily = (error: DeclaredError) => bases.has(error.base);

  it('finds the error classes it checks', () => {
    expect(errors.map((error) => error.name)).toEqual(
      expect.arrayContaining([
        'ValidationError',
        'TransientBankError',
        'ConfigurationError',
        'RouteNotFoundError',
      ]),
    );
  });

  it('has every error of lambdas/ descend from AspayError, but the few that say why not', () => {
    const outside = errors.filter((error) => !inFamily(error)).map((error) => `${error.name}@${error.file}`);
    expect(outside.filter((error) => !OUTSIDE_THE_FAMILY.has(error))).toEqual([]);
  });

  it('gives every concrete error its own name and a code of the problem table', () => {
    for (const error of errors.filter((candidate) => inFamily(candidate) && !candidate.abstract)) {
      expect(error.body, error.name).toContain(`override readonly name = '${error.name}';`);
      const code = /readonly type = '(\w+)'/.exec(error.body)?.[1];
      expect(Object.keys(PROBLEM_TYPES), error.name).toContain(code);
    }
  });

  it('does not compile an error class with a code the table does not have', () => {
    class MisspeltError extends DomainError {
      override readonly name = 'MisspeltError';
      // @ts-expect-error: "validaton_error" is not an ErrorCode.
      readonly type = 'validaton_error';
    }
    expect(new MisspeltError('x')).toBeInstanceOf(DomainError);
  });
});
