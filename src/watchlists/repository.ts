/**
 * Watchlists and their entries. Every statement names the workspace: a watchlist of another
 * workspace is invisible here, exactly like one that does not exist.
 */
import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/handle.js';
import { watchlistEntries, watchlists, workspaces } from '../db/schema.js';

export type WatchlistRow = typeof watchlists.$inferSelect;
export type WatchlistEntryRow = typeof watchlistEntries.$inferSelect;
export type EntryType = WatchlistEntryRow['type'];

export function listWatchlists(db: Db, workspaceId: string, limit: number, afterId: string | null) {
  return db
    .select()
    .from(watchlists)
    .where(and(eq(watchlists.workspaceId, workspaceId), afterId ? gt(watchlists.id, afterId) : undefined))
    .orderBy(asc(watchlists.id))
    .limit(limit);
}

export async function findWatchlist(db: Db, workspaceId: string, id: string): Promise<WatchlistRow | undefined> {
  const [row] = await db
    .select()
    .from(watchlists)
    .where(and(eq(watchlists.id, id), eq(watchlists.workspaceId, workspaceId)));
  return row;
}

/** The entries of several watchlists at once, oldest first (the DataLoader's batch). */
export async function entriesOf(db: Db, watchlistIds: readonly string[]): Promise<WatchlistEntryRow[]> {
  return db
    .select()
    .from(watchlistEntries)
    .where(inArray(watchlistEntries.watchlistId, [...watchlistIds]))
    .orderBy(asc(watchlistEntries.id));
}

export async function insertWatchlist(
  db: Db,
  workspaceId: string,
  input: { name: string; description: string | null },
): Promise<WatchlistRow> {
  const [row] = await db
    .insert(watchlists)
    .values({ workspaceId, ...input })
    .returning();
  return row!;
}

export async function updateWatchlist(
  db: Db,
  workspaceId: string,
  id: string,
  changes: { name?: string; description?: string | null },
): Promise<WatchlistRow | undefined> {
  const [row] = await db
    .update(watchlists)
    .set({ ...changes, updatedAt: sql`now()` })
    .where(and(eq(watchlists.id, id), eq(watchlists.workspaceId, workspaceId)))
    .returning();
  return row;
}

export async function deleteWatchlist(db: Db, workspaceId: string, id: string): Promise<boolean> {
  const rows = await db
    .delete(watchlists)
    .where(and(eq(watchlists.id, id), eq(watchlists.workspaceId, workspaceId)))
    .returning({ id: watchlists.id });
  return rows.length > 0;
}

/** Adds entries; one already on the list is kept as it is (entries are merged, never doubled). */
export async function insertEntries(
  db: Db,
  watchlistId: string,
  entries: readonly { type: EntryType; value: string }[],
): Promise<void> {
  if (entries.length === 0) return;
  await db
    .insert(watchlistEntries)
    .values(entries.map((e) => ({ watchlistId, ...e })))
    .onConflictDoNothing();
  await db
    .update(watchlists)
    .set({ updatedAt: sql`now()` })
    .where(eq(watchlists.id, watchlistId));
}

export async function countEntries(db: Db, watchlistId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(watchlistEntries)
    .where(eq(watchlistEntries.watchlistId, watchlistId));
  return row?.n ?? 0;
}

export async function deleteEntry(db: Db, watchlistId: string, entryId: string): Promise<boolean> {
  const rows = await db
    .delete(watchlistEntries)
    .where(and(eq(watchlistEntries.id, entryId), eq(watchlistEntries.watchlistId, watchlistId)))
    .returning({ id: watchlistEntries.id });
  if (rows.length > 0) {
    await db
      .update(watchlists)
      .set({ updatedAt: sql`now()` })
      .where(eq(watchlists.id, watchlistId));
  }
  return rows.length > 0;
}

/** Like `findWatchlist`, and holds the row until the transaction ends (serialises entry changes). */
export async function findWatchlistForUpdate(
  db: Db,
  workspaceId: string,
  id: string,
): Promise<WatchlistRow | undefined> {
  const [row] = await db
    .select()
    .from(watchlists)
    .where(and(eq(watchlists.id, id), eq(watchlists.workspaceId, workspaceId)))
    .for('update');
  return row;
}

/**
 * The workspace's watchlists and entries, counted with its row locked until the transaction ends:
 * two requests adding at once cannot both pass a plan's limit (docs/api.md §12).
 */
export async function lockedWorkspaceCounts(
  db: Db,
  workspaceId: string,
): Promise<{ watchlists: number; entries: number }> {
  await db.select({ id: workspaces.id }).from(workspaces).where(eq(workspaces.id, workspaceId)).for('update');
  const [row] = await db
    .select({
      watchlists: sql<number>`count(distinct ${watchlists.id})::int`,
      entries: sql<number>`count(${watchlistEntries.id})::int`,
    })
    .from(watchlists)
    .leftJoin(watchlistEntries, eq(watchlistEntries.watchlistId, watchlists.id))
    .where(eq(watchlists.workspaceId, workspaceId));
  return row ?? { watchlists: 0, entries: 0 };
}
