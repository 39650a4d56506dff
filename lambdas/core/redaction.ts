/**
 * What never reaches a log line: merchants' API keys, webhook signing secrets, database passwords and
 * customers' personal data (e-mail addresses, payment metadata, request bodies and headers). Used by the
 * functions' Logger (lambdas/core/observability.ts) and by the local stack's own logs and output.
 */

export const REDACTED = '[REDACTED]';

/**
 * Fields whose value is secret or personal whatever it looks like, compared lower-case without `_` or `-`:
 * a request's headers (Authorization) and body (customer, metadata), credentials and connection strings.
 */
const SENSITIVE_FIELDS = new Set([
  'authorization',
  'cookie',
  'apikey',
  'password',
  'secret',
  'webhooksecret',
  'customer',
  'email',
  'metadata',
  'headers',
  'multivalueheaders',
  'body',
  'rawbody',
  'databaseurl',
  'connectionstring',
]);

/** Secrets and personal data recognisable in any text (a message, an error, a stack), with their stand-in. */
const SECRET_PATTERNS: readonly [RegExp, string][] = [
  // Merchant API keys (sk_<mode>_…) and webhook signing secrets (whsec_…): the prefix stays, for diagnosis.
  [/\b(sk_(?:test|live)_|whsec_)[A-Za-z0-9_-]+/g, `$1${REDACTED}`],
  [/\b(Bearer\s+)[^\s"',;]+/gi, `$1${REDACTED}`],
  // The password of a URL (postgres://user:password@host) and of a keyword/value connection string.
  [/(\/\/[^\s:/@]*:)[^\s/@]+@/g, `$1${REDACTED}@`],
  [/\b(password\s*=\s*)(?:'[^']*'|"[^"]*"|[^\s&;]+)/gi, `$1${REDACTED}`],
  // E-mail addresses; not the user of a URL (postgres://user@host), which names no person.
  [/(?<![\w.%+/-])[\w.%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, REDACTED],
];

/** `text` with every recognisable secret or piece of personal data replaced. */
export function redactSecrets(text: string): string {
  return SECRET_PATTERNS.reduce(
    (redacted, [pattern, replacement]) => redacted.replace(pattern, replacement),
    text,
  );
}

function isSensitiveField(key: string): boolean {
  return SENSITIVE_FIELDS.has(key.toLowerCase().replace(/[-_]/g, ''));
}

/**
 * The error with its `detail` blanked: PostgreSQL's DETAIL quotes the values of the row at fault ("Failing row
 * contains (…)", "Key (…)=(…) already exists"), customers' data included. Still an Error of the same class, so
 * the logger formats it as one.
 */
function withoutDetail(error: Error): Error {
  const copy = Object.create(Object.getPrototypeOf(error)) as Error;
  Object.defineProperties(copy, Object.getOwnPropertyDescriptors(error));
  return Object.assign(copy, { detail: REDACTED });
}

/**
 * A JSON.stringify replacer: sensitive fields lose their value (null and absent ones stay as they are, which
 * tells an operator whether there was one), an error's `detail` too, and every string is scrubbed of
 * recognisable secrets.
 */
export function redactLogValue(key: string, value: unknown): unknown {
  if (key !== '' && isSensitiveField(key) && value !== null && value !== undefined) return REDACTED;
  if (value instanceof Error && typeof (value as { detail?: unknown }).detail === 'string')
    return withoutDetail(value);
  return typeof value === 'string' ? redactSecrets(value) : value;
}
