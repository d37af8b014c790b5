/**
 * IOC reads. Visibility (API.md §5) is part of every query: the shared feed (no workspace) and the
 * caller's own IOCs, never another workspace's.
 */
import { and, eq, isNull, or, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { preparedRows } from '../db/prepared.js';
import { iocs } from '../db/schema.js';
import type { IocType } from '../normalize.js';

export type IocRow = typeof iocs.$inferSelect;

export interface IocFilters {
  type?: IocType | null | undefined;
  /** A value prefix, already normalised for the type. */
  valuePrefix?: string | null | undefined;
  updatedSince?: string | null | undefined;
  minConfidence?: number | null | undefined;
  tag?: string | null | undefined;
}

export function visibleTo(workspaceId: string): SQL {
  return or(isNull(iocs.workspaceId), eq(iocs.workspaceId, workspaceId))!;
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The columns of an IOC, named as `IocRow` names them. */
const IOC_COLUMNS = `id, workspace_id as "workspaceId", type, value, threat_type as "threatType",
  malware_family as "malwareFamily", confidence, severity, tlp, tags, source, first_seen as "firstSeen",
  last_seen as "lastSeen", created_at as "createdAt", updated_at as "updatedAt"`;

/**
 * Newest first: (updated_at, id) descending, continuing strictly after `after`. The listing is the
 * hot path of every SIEM connector, so it is plain SQL text (one per combination of filters, a
 * prepared statement each) read without the query builder (docs/performance.md).
 */
export async function listIocs(
  db: Db,
  workspaceId: string,
  filters: IocFilters,
  limit: number,
  after: { updatedAt: string; id: string } | null,
): Promise<IocRow[]> {
  const { where, params } = whereClause(workspaceId, filters);
  if (after) {
    params.push(after.updatedAt, after.id);
    where.push(`(updated_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(limit);
  const text = `select ${IOC_COLUMNS} from iocs where ${where.join(' and ')} order by updated_at desc, id desc limit $${params.length}::int`;
  return preparedRows<IocRow>(db, text, params);
}

/** Every IOC the listing's filters match, on all pages (the same conditions, without a cursor). */
export async function countIocs(db: Db, workspaceId: string, filters: IocFilters): Promise<number> {
  const { where, params } = whereClause(workspaceId, filters);
  const [row] = await preparedRows<{ n: number }>(db, `select count(*)::int as n from iocs where ${where.join(' and ')}`, params);
  return row?.n ?? 0;
}

/** The visibility and filter conditions shared by the listing and its count, as SQL text and parameters. */
function whereClause(workspaceId: string, filters: IocFilters): { where: string[]; params: unknown[] } {
  const params: unknown[] = [workspaceId];
  const where = ['(workspace_id is null or workspace_id = $1)'];
  const add = (condition: (n: string) => string, value: unknown) => {
    params.push(value);
    where.push(condition(`$${params.length}`));
  };
  if (filters.type) add((n) => `type = ${n}::ioc_type`, filters.type);
  if (filters.valuePrefix) add((n) => `value like ${n}`, `${escapeLike(filters.valuePrefix)}%`);
  if (filters.updatedSince) add((n) => `updated_at >= ${n}::timestamptz`, filters.updatedSince);
  if (filters.minConfidence !== null && filters.minConfidence !== undefined) add((n) => `confidence >= ${n}::int`, filters.minConfidence);
  if (filters.tag) add((n) => `tags @> array[${n}::text]`, filters.tag);
  return { where, params };
}

export async function findIoc(db: Db, workspaceId: string, id: string): Promise<IocRow | undefined> {
  const [row] = await db
    .select()
    .from(iocs)
    .where(and(eq(iocs.id, id), visibleTo(workspaceId)));
  return row;
}

/**
 * The visible IOC for each wanted (type, value), in one round trip, keyed by value: a canonical
 * value has exactly one type (`detectIoc`). Where the workspace has its own IOC and the feed has
 * one too, the workspace's own wins.
 */
export async function findIocsByValue(
  db: Db,
  workspaceId: string,
  wanted: readonly { type: IocType; value: string }[],
): Promise<Map<string, IocRow>> {
  const found = new Map<string, IocRow>();
  if (wanted.length === 0) return found;
  const typeOf = new Map(wanted.map((w) => [w.value, w.type]));
  // One array parameter: one prepared statement whatever the number of values, read as a single
  // index scan of `value = any(…)` (no join, no sort; the preference below is made here).
  const rows = await preparedRows<IocRow>(
    db,
    `select ${IOC_COLUMNS} from iocs where value = any($1::text[]) and (workspace_id is null or workspace_id = $2)`,
    [[...typeOf.keys()], workspaceId],
  );
  for (const row of rows) {
    if (row.type !== typeOf.get(row.value)) continue;
    const seen = found.get(row.value);
    if (!seen || (seen.workspaceId === null && row.workspaceId !== null)) found.set(row.value, row);
  }
  return found;
}
