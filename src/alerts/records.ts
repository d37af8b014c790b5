/**
 * Alerts with their records, as far as the caller may see them: an alert shows its record only to
 * a key that could read that record through the searches (docs/api.md §10): a leak needs
 * `dataleaks:read` and a workspace that may search leaks today, an IOC `iocs:read`.
 */
import type { Permission } from '../core/permissions.js';
import type { Principal } from '../auth/principal.js';
import type { Db } from '../db/handle.js';
import type { AlertKind } from '../core/vocabulary.js';
import { recordsOf, type AlertRecord, type AlertRow } from './repository.js';
import { leakAccess } from '../core/plans.js';

/** An alert with its record, as far as the caller may see it. */
export type AlertShape = AlertRow & { record: AlertRecord | null };

/**
 * The permission a key needs to read a record of this kind through the searches; null: none
 * beyond reading the alert (a change to the workspace's own scope is no search's data).
 */
export const READ_PERMISSION: Record<AlertKind, Permission | null> = {
  ioc: 'iocs:read',
  credential_leak: 'dataleaks:read',
  card_leak: 'dataleaks:read',
  scope: null,
};

/**
 * Whether the workspace may read a record of this kind today, whatever the key: leaks need the
 * enterprise plan and active billing (the searches' rule). Webhook deliveries, sent by no key,
 * apply this at the moment they are sent (docs/api.md §10).
 */
export function workspaceMayRead(
  workspace: Pick<Principal['workspace'], 'plan' | 'billingStatus'>,
  kind: AlertKind,
): boolean {
  return kind === 'ioc' || kind === 'scope' || leakAccess(workspace) === 'granted';
}

/** Whether this caller may see a record of this kind (the searches' own rules). */
function mayRead(principal: Principal, kind: AlertKind): boolean {
  const permission = READ_PERMISSION[kind];
  return (
    (permission === null || principal.key.permissions.includes(permission)) &&
    workspaceMayRead(principal.workspace, kind)
  );
}

/** The rows with their records, fetched together for the page. */
export async function withRecords(db: Db, principal: Principal, rows: readonly AlertRow[]): Promise<AlertShape[]> {
  const records = await recordsOf(
    db,
    rows.filter((row) => mayRead(principal, row.kind)),
  );
  return rows.map((row) => ({
    ...row,
    record: mayRead(principal, row.kind) ? (records.get(row.recordId) ?? null) : null,
  }));
}
