import { CONSUMERS } from './messaging';
import { API_ROUTES, AUTHORIZER_HANDLER, PROCESSOR_EVENTS_HANDLER } from './routes';

/**
 * The database role each function logs in as: one per function kind, with only the grants its code needs
 * (migrations/0009_function_roles.sql creates them and grants them). Read by the CDK stack (one credentials
 * secret per role), the local stack (each function connects as its role) and the tests. The migrate function
 * is the migrator (it owns the schema); functions not listed here never connect to the database.
 */
export const DATABASE_ROLES = {
  api: {
    name: 'aspay_api',
    handlers: [
      AUTHORIZER_HANDLER,
      ...new Set(
        API_ROUTES.map((route) => route.handler).filter(
          (h) => h !== 'openapi' && h !== PROCESSOR_EVENTS_HANDLER,
        ),
      ),
    ],
  },
  onboarding: { name: 'aspay_onboarding', handlers: ['create-merchant'] },
  relay: { name: 'aspay_relay', handlers: ['outbox-relay'] },
  bankProcessor: { name: 'aspay_bank_processor', handlers: [CONSUMERS.bankProcessor.handler] },
  ledger: { name: 'aspay_ledger', handlers: [CONSUMERS.ledger.handler] },
  // The customer's receipts are notices too: the notifier's role, with the receipts' table.
  notifier: { name: 'aspay_notifier', handlers: [CONSUMERS.notifier.handler, CONSUMERS.receipts.handler] },
  retrySweep: { name: 'aspay_retry_sweep', handlers: ['retry-sweep'] },
  processorEvents: { name: 'aspay_processor_events', handlers: [PROCESSOR_EVENTS_HANDLER] },
} as const satisfies Record<string, { name: string; handlers: readonly string[] }>;

export type DatabaseRoleKind = keyof typeof DATABASE_ROLES;

/** The function role names, as PostgreSQL knows them. */
export const DATABASE_ROLE_NAMES: readonly string[] = Object.values(DATABASE_ROLES).map((role) => role.name);

/** The role a function logs in as, or undefined for a function that never connects to the database. */
export function databaseRoleOf(handler: string): DatabaseRoleKind | undefined {
  return (Object.keys(DATABASE_ROLES) as DatabaseRoleKind[]).find((kind) =>
    (DATABASE_ROLES[kind].handlers as readonly string[]).includes(handler),
  );
}
