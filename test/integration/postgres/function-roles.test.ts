import type pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createPool } from '../../../lambdas/core/adapters/postgres/pool';
import { DATABASE_ROLE_NAMES, DATABASE_ROLES } from '../../../lambdas/core/config/database-roles';
import { expectRejected, inRolledBackTransaction, testDatabase } from '../../support/database';
import { localEndpoints } from '../../support/local-stack';

const migrator = testDatabase();

/** A pool that logs in as `role` the way the functions do: through the local RDS Proxy, with its password. */
function poolAs(role: string): pg.Pool {
  const url = localEndpoints().functionRoleDatabaseUrls[role];
  if (!url) throw new Error(`the local stack has no database URL for ${role}`);
  const pool = createPool(url, { max: 1 });
  afterAll(() => pool.end());
  return pool;
}

/** A refusal by PostgreSQL's privileges, as opposed to the ledger's own append-only trigger. */
const REFUSED_BY_PRIVILEGES = /^(permission denied for |must be owner of )/;

/** Everything that would let a function undo the ledger's append-only guarantee. */
const LEDGER_TAMPERING = [
  'ALTER TABLE ledger.journal_entries DISABLE TRIGGER journal_entries_append_only',
  'ALTER TABLE ledger.postings DISABLE TRIGGER ALL',
  'DROP TRIGGER postings_append_only ON ledger.postings',
  'DROP TRIGGER journal_entries_no_truncate ON ledger.journal_entries',
  'ALTER TABLE ledger.postings OWNER TO CURRENT_USER',
  "UPDATE ledger.postings SET amount = amount * 2 WHERE direction = 'credit'",
  'DELETE FROM ledger.journal_entries',
  'TRUNCATE ledger.postings, ledger.journal_entries',
  'CREATE OR REPLACE FUNCTION ledger.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$',
];

describe("the notifier's database role", () => {
  const notifier = poolAs(DATABASE_ROLES.notifier.name);

  it('logs in as itself, not as the migrator', async () => {
    const { rows } = await notifier.query<{ user: string }>('SELECT current_user AS user');
    expect(rows[0]?.user).toBe('aspay_notifier');
  });

  it.each(LEDGER_TAMPERING)('cannot alter, disable or rewrite the ledger: %s', (sql) =>
    inRolledBackTransaction(notifier, (client) => expectRejected(client, sql, [], REFUSED_BY_PRIVILEGES)),
  );
});

describe.each(DATABASE_ROLE_NAMES)('the function role %s', (role) => {
  const pool = poolAs(role);

  it.each([
    'ALTER TABLE ledger.postings DISABLE TRIGGER postings_append_only',
    'ALTER TABLE payments DISABLE TRIGGER payments_guard',
    'DROP TRIGGER payments_guard ON payments',
    'TRUNCATE outbox',
    'CREATE TABLE public.planted (id int)',
    'CREATE FUNCTION public.planted() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$',
  ])('cannot change the schema or its guards: %s', (sql) =>
    inRolledBackTransaction(pool, (client) => expectRejected(client, sql, [], REFUSED_BY_PRIVILEGES)),
  );
});

describe('the grants of the function roles (every migration must keep them true)', () => {
  /**
   * The schema's tables: everything but the catalogs, node-pg-migrate's own bookkeeping and the `scratch` schema
   * the engine tests make their round trips in (they share this database and may run at the same time).
   */
  const TABLES = `
    SELECT c.oid, format('%I.%I', n.nspname, c.relname) AS name
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'scratch')
       AND n.nspname NOT LIKE 'pg_toast%' AND NOT (n.nspname = 'public' AND c.relname = 'pgmigrations')`;

  it('grants every table of the schema to at least one function role', async () => {
    const { rows } = await migrator.query<{ name: string }>(
      `SELECT t.name FROM (${TABLES}) t
        WHERE NOT EXISTS (SELECT 1 FROM unnest($1::text[]) r
                           WHERE has_table_privilege(r, t.oid, 'SELECT, INSERT, UPDATE, DELETE'))
        ORDER BY 1`,
      [DATABASE_ROLE_NAMES],
    );
    expect(rows.map((row) => row.name)).toEqual([]);
  });

  it('gives no function role TRUNCATE, TRIGGER or REFERENCES on any table', async () => {
    const { rows } = await migrator.query<{ grant: string }>(
      `SELECT r || ' ' || p || ' on ' || t.name AS grant
         FROM (${TABLES}) t, unnest($1::text[]) r, unnest(ARRAY['TRUNCATE', 'TRIGGER', 'REFERENCES']) p
        WHERE has_table_privilege(r, t.oid, p) ORDER BY 1`,
      [DATABASE_ROLE_NAMES],
    );
    expect(rows.map((row) => row.grant)).toEqual([]);
  });

  it('lets no function role own a table, a sequence, a function, a type or a schema', async () => {
    const { rows } = await migrator.query<{ owned: string }>(
      `SELECT relname::text AS owned FROM pg_class WHERE pg_get_userbyid(relowner) = ANY($1)
       UNION ALL SELECT proname::text FROM pg_proc WHERE pg_get_userbyid(proowner) = ANY($1)
       UNION ALL SELECT typname::text FROM pg_type WHERE pg_get_userbyid(typowner) = ANY($1)
       UNION ALL SELECT nspname::text FROM pg_namespace WHERE pg_get_userbyid(nspowner) = ANY($1)`,
      [DATABASE_ROLE_NAMES],
    );
    expect(rows.map((row) => row.owned)).toEqual([]);
  });

  it("leaves the retry sweep's old role, aspay_sweeper, no privilege in this database (0016 moved them)", async () => {
    const { rows } = await migrator.query<{ grant: string }>(
      `SELECT 'CONNECT' AS grant WHERE has_database_privilege('aspay_sweeper', current_database(), 'CONNECT')
       UNION ALL
       SELECT p || ' on ' || t.name FROM (${TABLES}) t, unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']) p
        WHERE has_table_privilege('aspay_sweeper', t.oid, p)
       UNION ALL
       SELECT 'USAGE on ' || c.relname FROM pg_class c
        -- CASE, so the privilege is asked of sequences only, whatever order the planner picks.
        WHERE CASE WHEN c.relkind = 'S' THEN has_sequence_privilege('aspay_sweeper', c.oid, 'USAGE') END`,
    );
    expect(rows.map((row) => row.grant)).toEqual([]);
  });

  it('makes the function roles plain roles: no attribute above a login, no membership in another role', async () => {
    const { rows } = await migrator.query<{ rolname: string; elevated: boolean; memberships: number }>(
      `SELECT rolname, rolsuper OR rolcreaterole OR rolcreatedb OR rolreplication OR rolbypassrls AS elevated,
              (SELECT count(*)::int FROM pg_auth_members m WHERE m.member = r.oid) AS memberships
         FROM pg_roles r WHERE rolname = ANY($1) ORDER BY rolname`,
      [DATABASE_ROLE_NAMES],
    );
    expect(rows).toEqual(
      [...DATABASE_ROLE_NAMES].sort().map((rolname) => ({ rolname, elevated: false, memberships: 0 })),
    );
  });
});
