/**
 * A workspace's exclusion lists (docs/api.md §13): what they cover leaves that workspace's listings
 * and exports and raises no watchlist alert for it; a lookup still finds it and names the list
 * (`excluded_by`). At most 100 lists and 100,000 entries per workspace, checked under a lock of the
 * workspace's row so that two requests cannot both pass the limit. The lists that apply to the shared
 * feed (built in, and the operators') are read here too, read-only.
 */
import { sql } from 'drizzle-orm';
import { ApiError, invalidParameter } from '../core/errors.js';
import { normalizeText } from '../core/normalize.js';
import type { Db } from '../db/handle.js';
import { sqlRows } from '../db/prepared.js';
import { isoTimestamp } from '../db/time.js';
import { parseExclusionEntry, type ExclusionEntry } from './exclusionEntries.js';

export const MAX_LISTS_PER_WORKSPACE = 100;
export const MAX_ENTRIES_PER_WORKSPACE = 100_000;
const MAX_NAME = 100;

export interface ExclusionList {
  id: string;
  name: string;
  /** The shared feed's (built in, or an operator's): read-only to workspaces. */
  shared: boolean;
  entryCount: number;
  createdAt: string;
  updatedAt: string;
}

export interface ExclusionListWithEntries extends ExclusionList {
  /** As written back: values, CIDR ranges, `.`-prefixed domain suffixes, the oldest first (those added together by value). */
  entries: string[];
}

/** An entry as people write it: a suffix with its leading dot. */
const written = (entry: ExclusionEntry) => (entry.kind === 'suffix' ? `.${entry.value}` : entry.value);

function listName(input: string): string {
  const name = normalizeText(input, MAX_NAME);
  if (name === null) throw invalidParameter('name', `must be 1 to ${MAX_NAME} characters of text.`);
  return name;
}

/** The entries given, each checked; the first refused one is the request's error, naming its place. */
function checkedEntries(field: string, inputs: readonly string[] | null | undefined): ExclusionEntry[] {
  const entries = new Map<string, ExclusionEntry>();
  (inputs ?? []).forEach((input, index) => {
    const entry = parseExclusionEntry(input);
    if (typeof entry === 'string') throw invalidParameter(`${field}.${index}`, `${entry}.`);
    entries.set(`${entry.kind} ${entry.value}`, entry);
  });
  if (entries.size > MAX_ENTRIES_PER_WORKSPACE)
    throw invalidParameter(field, `may hold at most ${MAX_ENTRIES_PER_WORKSPACE.toLocaleString('en')} entries.`);
  return [...entries.values()];
}

interface ListRow {
  id: string;
  name: string;
  shared: boolean;
  entry_count: number;
  created_at: string;
  updated_at: string;
}

const asList = (row: ListRow): ExclusionList => ({
  id: row.id,
  name: row.name,
  shared: row.shared,
  entryCount: row.entry_count,
  createdAt: isoTimestamp(row.created_at),
  updatedAt: isoTimestamp(row.updated_at),
});

const LIST_COLUMNS = sql`l.id, l.name, l.workspace_id is null as shared, l.created_at::text, l.updated_at::text,
  (select count(*)::int from exclusion_entries e where e.list_id = l.id) as entry_count`;

/** The workspace's lists, then the shared feed's, each by name. */
export async function listExclusionLists(db: Db, workspaceId: string): Promise<ExclusionList[]> {
  const rows = await sqlRows<ListRow>(
    db,
    sql`
    select ${LIST_COLUMNS} from exclusion_lists l
    where l.workspace_id = ${workspaceId}::uuid or l.workspace_id is null
    order by l.workspace_id is null, l.name`,
  );
  return [...rows].map(asList);
}

/** One list the workspace can read, with its entries; undefined when there is none. */
export async function findExclusionList(
  db: Db,
  workspaceId: string,
  id: string,
): Promise<ExclusionListWithEntries | undefined> {
  const [row] = await sqlRows<ListRow>(
    db,
    sql`
    select ${LIST_COLUMNS} from exclusion_lists l
    where l.id = ${id}::uuid and (l.workspace_id = ${workspaceId}::uuid or l.workspace_id is null)`,
  );
  if (!row) return undefined;
  const entries = await sqlRows<{ kind: ExclusionEntry['kind']; value: string }>(
    db,
    sql`
    select kind::text as kind, value from exclusion_entries where list_id = ${id}::uuid order by created_at, value`,
  );
  return { ...asList(row), entries: [...entries].map(written) };
}

/** Why a workspace cannot change the list `id`: it is the shared feed's (read-only), or not there. */
async function missing(db: Db, id: string): Promise<ApiError> {
  const [shared] = await sqlRows(
    db,
    sql`select 1 from exclusion_lists where id = ${id}::uuid and workspace_id is null`,
  );
  return shared
    ? new ApiError('forbidden', 'Forbidden: the shared feed’s exclusion lists are read-only to workspaces.')
    : new ApiError('not_found', 'The workspace has no exclusion list with this id.');
}

/** Locks the workspace's lists for a change and checks that what it would leave is within the limits. */
async function withinLimits(tx: Db, workspaceId: string, addedLists: number, addedEntries: number): Promise<void> {
  await tx.execute(sql`select 1 from workspaces where id = ${workspaceId}::uuid for update`);
  const [counts] = await sqlRows<{ lists: number; entries: number }>(
    tx,
    sql`
    select (select count(*)::int from exclusion_lists where workspace_id = ${workspaceId}::uuid) as lists,
           (select count(*)::int from exclusion_entries where workspace_id = ${workspaceId}::uuid) as entries`,
  );
  if (counts!.lists + addedLists > MAX_LISTS_PER_WORKSPACE)
    throw invalidParameter(
      'name',
      `cannot be added: a workspace has at most ${MAX_LISTS_PER_WORKSPACE} exclusion lists.`,
    );
  if (counts!.entries + addedEntries > MAX_ENTRIES_PER_WORKSPACE)
    throw invalidParameter(
      'entries',
      `cannot be added: a workspace has at most ${MAX_ENTRIES_PER_WORKSPACE.toLocaleString('en')} exclusion entries in all.`,
    );
}

/**
 * Brings the workspace's views of the IOCs in step with its lists (drizzle/0022,
 * `refresh_exclusion_coverage`): what they now cover is marked with the first covering list's name,
 * what they no longer cover is cleared, each a change of the view at this instant. In the list's
 * transaction, under the workspace's lock; it reads only the kinds of entry the workspace has.
 */
async function refreshCoverage(tx: Db, workspaceId: string): Promise<void> {
  await tx.execute(sql`select refresh_exclusion_coverage(${workspaceId}::uuid)`);
}

/** Entries added at once past which the table's statistics are brought up to date after the change. */
const ANALYZE_AFTER_ENTRIES = 1000;

/**
 * After a change that added many entries: PostgreSQL's statistics of the entries, so that the
 * imports' statement, which looks new IOCs up in every workspace's lists, plans with the entries
 * counted (until autovacuum's next pass it would count none, and could read them all per IOC). After
 * the commit, outside the change's transaction; a failure here changes nothing stored.
 */
async function countEntries(db: Db, added: number): Promise<void> {
  if (added >= ANALYZE_AFTER_ENTRIES) await db.execute(sql`analyze exclusion_entries`).catch(() => undefined);
}

async function nameIsFree(tx: Db, workspaceId: string, name: string, except: string | null): Promise<void> {
  const [taken] = await sqlRows<{ id: string }>(
    tx,
    sql`
    select id from exclusion_lists where workspace_id = ${workspaceId}::uuid and name = ${name}
      and (${except}::uuid is null or id <> ${except}::uuid)`,
  );
  if (taken) throw invalidParameter('name', 'is the name of another of the workspace’s exclusion lists.');
}

async function addEntries(tx: Db, workspaceId: string, listId: string, entries: readonly ExclusionEntry[]) {
  if (entries.length === 0) return;
  await tx.execute(sql`
    insert into exclusion_entries (list_id, workspace_id, kind, value, network)
    select ${listId}::uuid, ${workspaceId}::uuid, e.kind::exclusion_kind, e.value, case when e.kind = 'cidr' then e.value::cidr end
    from unnest(${sql.param(entries.map((e) => e.kind))}::text[], ${sql.param(entries.map((e) => e.value))}::text[]) as e(kind, value)
    on conflict (list_id, kind, value) do nothing`);
}

export async function createExclusionList(
  db: Db,
  workspaceId: string,
  input: { name: string; entries?: readonly string[] | null },
): Promise<ExclusionListWithEntries> {
  const name = listName(input.name);
  const entries = checkedEntries('entries', input.entries);
  const id = await db.transaction(async (tx) => {
    await withinLimits(tx, workspaceId, 1, entries.length);
    await nameIsFree(tx, workspaceId, name, null);
    const [list] = await sqlRows<{ id: string }>(
      tx,
      sql`
      insert into exclusion_lists (workspace_id, name) values (${workspaceId}::uuid, ${name}) returning id`,
    );
    await addEntries(tx, workspaceId, list!.id, entries);
    await refreshCoverage(tx, workspaceId);
    return list!.id;
  });
  await countEntries(db, entries.length);
  return (await findExclusionList(db, workspaceId, id))!;
}

export async function updateExclusionList(
  db: Db,
  workspaceId: string,
  id: string,
  input: { name?: string | null; add?: readonly string[] | null; remove?: readonly string[] | null },
): Promise<ExclusionListWithEntries> {
  const name = input.name === null || input.name === undefined ? null : listName(input.name);
  const added = checkedEntries('add', input.add);
  const removed = checkedEntries('remove', input.remove);
  await db.transaction(async (tx) => {
    const [list] = await sqlRows<{ id: string }>(
      tx,
      sql`
      select id from exclusion_lists where id = ${id}::uuid and workspace_id = ${workspaceId}::uuid`,
    );
    if (!list) throw await missing(tx, id);
    await withinLimits(tx, workspaceId, 0, added.length);
    if (name !== null) {
      await nameIsFree(tx, workspaceId, name, id);
      await tx.execute(sql`update exclusion_lists set name = ${name}, updated_at = now() where id = ${id}::uuid`);
    }
    if (removed.length > 0)
      await tx.execute(sql`
        delete from exclusion_entries e using unnest(${sql.param(removed.map((r) => r.kind))}::text[], ${sql.param(removed.map((r) => r.value))}::text[]) as r(kind, value)
        where e.list_id = ${id}::uuid and e.kind = r.kind::exclusion_kind and e.value = r.value`);
    await addEntries(tx, workspaceId, id, added);
    await tx.execute(sql`update exclusion_lists set updated_at = now() where id = ${id}::uuid`);
    await refreshCoverage(tx, workspaceId);
  });
  await countEntries(db, added.length);
  return (await findExclusionList(db, workspaceId, id))!;
}

export async function deleteExclusionList(db: Db, workspaceId: string, id: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`select 1 from workspaces where id = ${workspaceId}::uuid for update`);
    const rows = await sqlRows<{ id: string }>(
      tx,
      sql`
      delete from exclusion_lists where id = ${id}::uuid and workspace_id = ${workspaceId}::uuid returning id`,
    );
    if (rows.length === 0) throw await missing(tx, id);
    await refreshCoverage(tx, workspaceId);
  });
}
