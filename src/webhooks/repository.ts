/**
 * Webhook endpoints, deliveries and attempts of a workspace (docs/api.md §10). Every read and write
 * names the workspace: another workspace's endpoint or delivery is simply not found.
 */
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/handle.js';
import { alerts, webhookAttempts, webhookDeliveries, webhookEndpoints, workspaces } from '../db/schema.js';
import type { AlertKind } from '../core/vocabulary.js';

export type EndpointRow = typeof webhookEndpoints.$inferSelect;
export type DeliveryRow = typeof webhookDeliveries.$inferSelect;
export type AttemptRow = typeof webhookAttempts.$inferSelect;

/** At most this many endpoints per workspace (docs/api.md §10). */
export const MAX_ENDPOINTS = 10;

export function listEndpoints(db: Db, workspaceId: string) {
  return db
    .select()
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.workspaceId, workspaceId))
    .orderBy(asc(webhookEndpoints.createdAt), asc(webhookEndpoints.id));
}

export async function findEndpoint(db: Db, workspaceId: string, id: string): Promise<EndpointRow | undefined> {
  const [row] = await db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.workspaceId, workspaceId), eq(webhookEndpoints.id, id)));
  return row;
}

/** Inserts an endpoint unless the workspace has its maximum; the count and the insert are one transaction on the locked workspace. */
export async function insertEndpoint(
  db: Db,
  workspaceId: string,
  values: { url: string; description: string | null; secret: string },
): Promise<EndpointRow | 'limit'> {
  return db.transaction(async (tx) => {
    await tx.select({ id: workspaces.id }).from(workspaces).where(eq(workspaces.id, workspaceId)).for('update');
    const [{ count } = { count: 0 }] = await tx
      .select({ count: sql<number>`count(*)::int` })
      .from(webhookEndpoints)
      .where(eq(webhookEndpoints.workspaceId, workspaceId));
    if (count >= MAX_ENDPOINTS) return 'limit' as const;
    const [row] = await tx
      .insert(webhookEndpoints)
      .values({ workspaceId, ...values })
      .returning();
    return row!;
  });
}

export async function updateEndpoint(
  db: Db,
  workspaceId: string,
  id: string,
  changes: Partial<
    Pick<EndpointRow, 'url' | 'description' | 'enabled' | 'disabledReason' | 'secret' | 'previousSecret'>
  > & { previousSecretExpiresAt?: ReturnType<typeof sql> | null },
): Promise<EndpointRow | undefined> {
  const [row] = await db
    .update(webhookEndpoints)
    .set({ ...changes, updatedAt: sql`now()` })
    .where(and(eq(webhookEndpoints.workspaceId, workspaceId), eq(webhookEndpoints.id, id)))
    .returning();
  return row;
}

export async function deleteEndpoint(db: Db, workspaceId: string, id: string): Promise<boolean> {
  const rows = await db
    .delete(webhookEndpoints)
    .where(and(eq(webhookEndpoints.workspaceId, workspaceId), eq(webhookEndpoints.id, id)))
    .returning({ id: webhookEndpoints.id });
  return rows.length > 0;
}

/** An endpoint's deliveries, newest first, keyset-paged on (created_at, id). */
export function listDeliveries(
  db: Db,
  workspaceId: string,
  endpointId: string,
  limit: number,
  after: readonly [string, string] | null,
) {
  return db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.workspaceId, workspaceId),
        eq(webhookDeliveries.endpointId, endpointId),
        after
          ? sql`(${webhookDeliveries.createdAt}, ${webhookDeliveries.id}) < (${after[0]}::timestamptz, ${after[1]}::uuid)`
          : undefined,
      ),
    )
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(limit);
}

export async function attemptsOf(db: Db, deliveryIds: readonly string[]): Promise<Map<string, AttemptRow[]>> {
  const byDelivery = new Map<string, AttemptRow[]>();
  if (deliveryIds.length === 0) return byDelivery;
  const rows = await db
    .select()
    .from(webhookAttempts)
    .where(inArray(webhookAttempts.deliveryId, [...deliveryIds]))
    .orderBy(asc(webhookAttempts.at), asc(webhookAttempts.id));
  for (const row of rows) byDelivery.set(row.deliveryId, [...(byDelivery.get(row.deliveryId) ?? []), row]);
  return byDelivery;
}

/** The kind of alert a delivery of the workspace carries; undefined when it has no such delivery. */
export async function deliveryAlertKind(db: Db, workspaceId: string, id: string): Promise<AlertKind | undefined> {
  const [row] = await db
    .select({ kind: alerts.kind })
    .from(webhookDeliveries)
    .innerJoin(alerts, eq(alerts.id, webhookDeliveries.alertId))
    .where(and(eq(webhookDeliveries.workspaceId, workspaceId), eq(webhookDeliveries.id, id)));
  return row?.kind;
}

/** Makes a delivery due now again (a manual retry), whatever its status; undefined when not the workspace's. */
export async function retryDelivery(db: Db, workspaceId: string, id: string): Promise<DeliveryRow | undefined> {
  const [row] = await db
    .update(webhookDeliveries)
    .set({ status: 'pending', nextAttemptAt: sql`now()`, lockedUntil: null, updatedAt: sql`now()` })
    .where(and(eq(webhookDeliveries.workspaceId, workspaceId), eq(webhookDeliveries.id, id)))
    .returning();
  if (row) await db.execute(sql`select pg_notify('webhook_delivery', '')`);
  return row;
}
