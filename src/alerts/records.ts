/**
 * Alerts with their records, as far as the caller may see them: an alert shows its record only to
 * a key that could read that record through the searches (API.md §10): a leak needs
 * `dataleaks:read` and a workspace that may search leaks today, an IOC `iocs:read`.
 */
import type { Principal } from '../auth/principal.js';
import type { Db } from '../db/client.js';
import type { AlertKind } from '../vocabulary.js';
import { recordsOf, type AlertRecord, type AlertRow } from './repository.js';

/** An alert with its record, as far as the caller may see it. */
export type AlertShape = AlertRow & { record: AlertRecord | null };

/** Whether this caller may see a record of this kind (the searches' own rules). */
function mayRead(principal: Principal, kind: AlertKind): boolean {
  const { permissions } = principal.key;
  if (kind === 'ioc') return permissions.includes('iocs:read');
  const { plan, billingStatus } = principal.workspace;
  return permissions.includes('dataleaks:read') && plan === 'enterprise' && billingStatus === 'active';
}

/** The rows with their records, fetched together for the page. */
export async function withRecords(db: Db, principal: Principal, rows: readonly AlertRow[]): Promise<AlertShape[]> {
  const records = await recordsOf(db, rows.filter((row) => mayRead(principal, row.kind)));
  return rows.map((row) => ({ ...row, record: mayRead(principal, row.kind) ? (records.get(row.recordId) ?? null) : null }));
}

