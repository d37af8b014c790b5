/**
 * Alerts of a workspace (docs/api.md §10): newest first, keyset-paged on (created_at, id) of the
 * workspace's index, and the records they point at, fetched for a whole page in one query per
 * kind.
 */
import { and, desc, eq, getTableColumns, gt, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/handle.js';
import { preparedRows } from '../db/prepared.js';
import { alertNewCounts, alerts, auditEvents, cardLeaks, credentialLeaks } from '../db/schema.js';
import type { AlertKind, AlertStatus, DomainClaimStatus } from '../core/vocabulary.js';
import type { CardLeakRow, CredentialLeakRow } from '../dataleaks/repository.js';
import { findIocsById, type IocRow } from '../iocs/repository.js';

export type AlertRow = typeof alerts.$inferSelect;

export interface AlertFilters {
  status: AlertStatus | null;
  watchlistId: string | null;
  kind: AlertKind | null;
}

export function listAlerts(
  db: Db,
  workspaceId: string,
  filters: AlertFilters,
  limit: number,
  after: readonly [string, string] | null,
) {
  return db
    .select()
    .from(alerts)
    .where(
      and(
        eq(alerts.workspaceId, workspaceId),
        filters.status ? eq(alerts.status, filters.status) : undefined,
        filters.watchlistId ? eq(alerts.watchlistId, filters.watchlistId) : undefined,
        filters.kind ? eq(alerts.kind, filters.kind) : undefined,
        after ? sql`(${alerts.createdAt}, ${alerts.id}) < (${after[0]}::timestamptz, ${after[1]}::uuid)` : undefined,
      ),
    )
    .orderBy(desc(alerts.createdAt), desc(alerts.id))
    .limit(limit);
}

export async function findAlert(db: Db, workspaceId: string, id: string): Promise<AlertRow | undefined> {
  const [row] = await db
    .select()
    .from(alerts)
    .where(and(eq(alerts.workspaceId, workspaceId), eq(alerts.id, id)));
  return row;
}

export async function updateAlertStatus(
  db: Db,
  workspaceId: string,
  id: string,
  status: AlertStatus,
): Promise<AlertRow | undefined> {
  const [row] = await updateAlertsStatus(db, workspaceId, [id], status);
  return row;
}

/** Several alerts of the workspace at once, in one statement; ids of another workspace change nothing. */
export function updateAlertsStatus(
  db: Db,
  workspaceId: string,
  ids: readonly string[],
  status: AlertStatus,
): Promise<AlertRow[]> {
  return db
    .update(alerts)
    .set({ status, updatedAt: sql`now()` })
    .where(and(eq(alerts.workspaceId, workspaceId), inArray(alerts.id, [...ids])))
    .returning();
}

/**
 * The workspace's alerts still `new`, counted by kind: read from the counts the database keeps
 * (drizzle/0012), a row per kind, however many alerts there are (docs/api.md §12).
 */
export function countNewAlerts(db: Db, workspaceId: string): Promise<{ kind: AlertKind; count: number }[]> {
  return db
    .select({ kind: alertNewCounts.kind, count: alertNewCounts.count })
    .from(alertNewCounts)
    .where(and(eq(alertNewCounts.workspaceId, workspaceId), gt(alertNewCounts.count, 0)))
    .orderBy(alertNewCounts.kind);
}

/**
 * Alerts raised per UTC day over the last `days` days (today included), every day listed, in
 * order: a row of the kept daily counts per day (drizzle/0012), never the alerts themselves.
 */
export function countAlertsByDay(db: Db, workspaceId: string, days: number): Promise<{ day: string; count: number }[]> {
  return preparedRows<{ day: string; count: number }>(
    db,
    `select to_char(d.day, 'YYYY-MM-DD') as day, coalesce(c.count, 0)::int as count
     from generate_series((now() at time zone 'UTC')::date - ($1::int - 1), (now() at time zone 'UTC')::date, interval '1 day') as d(day)
     left join alert_daily_counts c on c.workspace_id = $2::uuid and c.day = d.day::date
     order by d.day`,
    [days, workspaceId],
  );
}

export type AlertRecord =
  | (CredentialLeakRow & { __kind: 'credential_leak' })
  | (CardLeakRow & { __kind: 'card_leak' })
  | (IocRow & { __kind: 'ioc' })
  | (ScopeChange & { __kind: 'scope' });

/** A domain that left (or entered) the scope, as the audit event behind a `scope` alert says. */
export interface ScopeChange {
  domain: string;
  status: DomainClaimStatus;
}

const { domainKey: _d, siteKey: _s, passwordSha1: _p, ...credentialColumns } = getTableColumns(credentialLeaks);

/** The status a scope alert's audit event speaks of. */
const SCOPE_EVENT_STATUS: Record<string, DomainClaimStatus> = {
  'scope.domain_lapsed': 'lapsed',
  'scope.domain_verified': 'verified',
};

/** The records of these alerts by id: at most one query per kind. */
export async function recordsOf(db: Db, rows: readonly AlertRow[]): Promise<Map<string, AlertRecord>> {
  const ids = (kind: AlertKind) => rows.filter((r) => r.kind === kind).map((r) => r.recordId);
  const found = new Map<string, AlertRecord>();
  const credentials = ids('credential_leak');
  const cards = ids('card_leak');
  const iocIds = ids('ioc');
  const events = ids('scope');
  if (credentials.length > 0) {
    for (const row of await db
      .select(credentialColumns)
      .from(credentialLeaks)
      .where(inArray(credentialLeaks.id, credentials))) {
      found.set(row.id, { ...row, __kind: 'credential_leak' });
    }
  }
  if (cards.length > 0) {
    for (const row of await db.select().from(cardLeaks).where(inArray(cardLeaks.id, cards)))
      found.set(row.id, { ...row, __kind: 'card_leak' });
  }
  if (iocIds.length > 0) {
    // As the alert's workspace sees them (its sightings and judgement): one query per workspace.
    for (const workspaceId of new Set(rows.filter((r) => r.kind === 'ioc').map((r) => r.workspaceId)))
      for (const row of await findIocsById(
        db,
        workspaceId,
        rows.filter((r) => r.kind === 'ioc' && r.workspaceId === workspaceId).map((r) => r.recordId),
      ))
        found.set(row.id, { ...row, __kind: 'ioc' });
  }
  if (events.length > 0) {
    for (const row of await db
      .select({ id: auditEvents.id, action: auditEvents.action, details: auditEvents.details })
      .from(auditEvents)
      .where(inArray(auditEvents.id, events))) {
      const status = SCOPE_EVENT_STATUS[row.action] ?? 'lapsed';
      found.set(row.id, { domain: String(row.details?.domain), status, __kind: 'scope' });
    }
  }
  return found;
}
