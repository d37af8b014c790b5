/**
 * The shared feed's exclusion lists (docs/api.md §13): the built-in ones, kept in step with their
 * files in data/exclusions/ (each names its source) at every start, and the operators' own, made
 * with the `exclusions` commands. A value they cover is refused by an import into the shared feed,
 * with the list's name; an entry added to one revokes the shared IOCs it covers, a change like any
 * other (streams and TAXII polls see it). A workspace's own submissions are not refused by them.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { sql } from 'drizzle-orm';
import { invalidParameter } from '../core/errors.js';
import type { Db } from '../db/handle.js';
import { sqlRows } from '../db/prepared.js';
import { parseExclusionEntry, type ExclusionEntry } from './exclusionEntries.js';

export const BUILTIN_LISTS = ['iana-special-purpose', 'public-dns-resolvers', 'major-platforms'] as const;
const BUILTIN_FOLDER = new URL('../../data/exclusions/', import.meta.url);

/** A list file's entries: one a line, `#` to the end of a line a comment; the refused lines with their numbers. */
export function readListText(text: string): { entries: ExclusionEntry[]; errors: { line: number; reason: string }[] } {
  const entries = new Map<string, ExclusionEntry>();
  const errors: { line: number; reason: string }[] = [];
  text.split('\n').forEach((raw, i) => {
    const comment = raw.indexOf('#');
    const line = (comment < 0 ? raw : raw.slice(0, comment)).trim();
    if (!line) return;
    const entry = parseExclusionEntry(line);
    if (typeof entry === 'string') errors.push({ line: i + 1, reason: entry });
    else entries.set(`${entry.kind} ${entry.value}`, entry);
  });
  return { entries: [...entries.values()], errors };
}

const kinds = (entries: readonly ExclusionEntry[]) => sql.param(entries.map((e) => e.kind));
const values = (entries: readonly ExclusionEntry[]) => sql.param(entries.map((e) => e.value));

/**
 * Marks revoked the shared-feed IOCs these entries cover, and says how many. Values go through the
 * identity index; ranges and suffixes read the feed's addresses or hosts once per call (an operator's
 * change, not a request's work).
 */
async function revokeCovered(tx: Db, entries: readonly ExclusionEntry[]): Promise<number> {
  if (entries.length === 0) return 0;
  const [row] = await sqlRows<{ revoked: number }>(
    tx,
    sql`with e as (
      select kind, value, case when kind = 'cidr' then value::cidr end as network
      from unnest(${kinds(entries)}::text[], ${values(entries)}::text[]) as e(kind, value)
    ), revoked as (
      update iocs i set revoked = true, updated_at = now()
      where i.workspace_id is null and not i.revoked and (
        i.value in (select value from e where kind = 'value')
        or (i.type in ('ipv4', 'ipv6') and exists (
          select 1 from e where e.kind = 'cidr' and e.network >>= (case when i.type in ('ipv4', 'ipv6') then i.value::inet end)))
        or (i.type in ('domain', 'url', 'email') and exists (select 1 from e where e.kind = 'suffix')
          and ioc_hosts(i.type::text, i.value) && array(select value from e where kind = 'suffix')))
      returning 1
    )
    select count(*)::int as revoked from revoked`,
  );
  return row!.revoked;
}

async function insertEntries(tx: Db, listId: string, entries: readonly ExclusionEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await tx.execute(sql`
    insert into exclusion_entries (list_id, workspace_id, kind, value, network)
    select ${listId}::uuid, null, e.kind::exclusion_kind, e.value, case when e.kind = 'cidr' then e.value::cidr end
    from unnest(${kinds(entries)}::text[], ${values(entries)}::text[]) as e(kind, value)
    on conflict (list_id, kind, value) do nothing`);
}

/**
 * Brings the built-in lists in step with their files: a list whose file changed gets the file's
 * entries, and the shared IOCs its new entries cover are revoked. Run at every start; a file that
 * did not change costs one read of its list's version.
 */
export async function syncBuiltinLists(db: Db, folder: URL = BUILTIN_FOLDER): Promise<{ revoked: number }> {
  let revoked = 0;
  for (const name of BUILTIN_LISTS) {
    const text = await readFile(new URL(`${name}.txt`, folder), 'utf8');
    const version = createHash('sha256').update(text).digest('hex');
    const [current] = await sqlRows<{ version: string | null }>(
      db,
      sql`select version from exclusion_lists where workspace_id is null and name = ${name}`,
    );
    if (current?.version === version) continue;
    const { entries, errors } = readListText(text);
    if (errors.length > 0) throw new Error(`data/exclusions/${name}.txt line ${errors[0]!.line}: ${errors[0]!.reason}`);
    revoked += await db.transaction(async (tx) => {
      const [list] = await sqlRows<{ id: string }>(
        tx,
        sql`insert into exclusion_lists (workspace_id, name, builtin, version) values (null, ${name}, true, ${version})
          on conflict on constraint exclusion_lists_name do update set version = excluded.version, builtin = true, updated_at = now()
          returning id`,
      );
      const listId = list!.id;
      const [stored] = await sqlRows<{ kinds: string[]; values: string[] }>(
        tx,
        sql`select coalesce(array_agg(kind::text), '{}') as kinds, coalesce(array_agg(value), '{}') as values from exclusion_entries where list_id = ${listId}::uuid`,
      );
      const known = new Set(stored!.values.map((value, i) => `${stored!.kinds[i]} ${value}`));
      const wanted = new Set(entries.map((e) => `${e.kind} ${e.value}`));
      const added = entries.filter((e) => !known.has(`${e.kind} ${e.value}`));
      const gone = [...known]
        .filter((key) => !wanted.has(key))
        .map((key) => {
          const [kind, value] = key.split(' ') as [ExclusionEntry['kind'], string];
          return { kind, value };
        });
      if (gone.length > 0)
        await tx.execute(sql`
          delete from exclusion_entries e using unnest(${kinds(gone)}::text[], ${values(gone)}::text[]) as g(kind, value)
          where e.list_id = ${listId}::uuid and e.kind = g.kind::exclusion_kind and e.value = g.value`);
      await insertEntries(tx, listId, added);
      return revokeCovered(tx, added);
    });
  }
  return { revoked };
}

/** An operator's list by name, made when missing; a built-in one is refused (its file is its one home). */
async function operatorList(tx: Db, name: string, create: boolean): Promise<string> {
  const [list] = await sqlRows<{ id: string; builtin: boolean }>(
    tx,
    sql`select id, builtin from exclusion_lists where workspace_id is null and name = ${name}`,
  );
  if (list?.builtin)
    throw invalidParameter(
      'list',
      `${name} is built in: it follows data/exclusions/${name}.txt; make a list of your own.`,
    );
  if (list) return list.id;
  if (!create) throw invalidParameter('list', `there is no operator list ${name} (see exclusions list).`);
  const [made] = await sqlRows<{ id: string }>(
    tx,
    sql`insert into exclusion_lists (workspace_id, name) values (null, ${name}) returning id`,
  );
  return made!.id;
}

/** Adds entries to an operator's list (made when missing) and revokes the shared IOCs they cover. */
export async function addSharedEntries(
  db: Db,
  name: string,
  entries: readonly ExclusionEntry[],
): Promise<{ list: string; added: number; revoked: number }> {
  return db.transaction(async (tx) => {
    const listId = await operatorList(tx, name, true);
    const [before] = await sqlRows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from exclusion_entries where list_id = ${listId}::uuid`,
    );
    await insertEntries(tx, listId, entries);
    const [after] = await sqlRows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from exclusion_entries where list_id = ${listId}::uuid`,
    );
    await tx.execute(sql`update exclusion_lists set updated_at = now() where id = ${listId}::uuid`);
    return { list: name, added: after!.n - before!.n, revoked: await revokeCovered(tx, entries) };
  });
}

/** Removes entries from an operator's list (what they revoked stays revoked until a source sends it again). */
export async function removeSharedEntries(
  db: Db,
  name: string,
  entries: readonly ExclusionEntry[],
): Promise<{ list: string; removed: number }> {
  return db.transaction(async (tx) => {
    const listId = await operatorList(tx, name, false);
    const rows = await sqlRows(
      tx,
      sql`delete from exclusion_entries e using unnest(${kinds(entries)}::text[], ${values(entries)}::text[]) as g(kind, value)
        where e.list_id = ${listId}::uuid and e.kind = g.kind::exclusion_kind and e.value = g.value returning 1`,
    );
    return { list: name, removed: rows.length };
  });
}

/** The shared feed's lists with their entry counts, built-in first. */
export function listSharedLists(db: Db): Promise<{ name: string; builtin: boolean; entries: number }[]> {
  return sqlRows(
    db,
    sql`select l.name, l.builtin, (select count(*)::int from exclusion_entries e where e.list_id = l.id) as entries
      from exclusion_lists l where l.workspace_id is null order by not l.builtin, l.name`,
  );
}

/**
 * Which of these IOCs the shared feed's lists cover, by their place in `rows`: the name of the
 * first covering list. One statement per batch of an import: a hash join for exact values, a GiST
 * probe per address, and the hosts' suffixes only when a list holds suffixes.
 */
export async function coveredBySharedLists(
  db: Db,
  rows: readonly { type: string; value: string }[],
): Promise<Map<number, string>> {
  const covered = new Map<number, string>();
  if (rows.length === 0) return covered;
  const hits = await sqlRows<{ n: number; name: string }>(
    db,
    sql`with u as (
      select u.type, u.value, (u.n - 1)::int as n
      from unnest(${sql.param(rows.map((r) => r.type))}::text[], ${sql.param(rows.map((r) => r.value))}::text[]) with ordinality as u(type, value, n)
    ), hits as (
      select u.n, e.list_id from u join exclusion_entries e
        on e.workspace_id is null and e.kind = 'value' and e.value = u.value
      union all
      select u.n, e.list_id from u join exclusion_entries e
        on e.workspace_id is null and e.kind = 'cidr'
        and e.network >>= (case when u.type in ('ipv4', 'ipv6') then u.value::inet end)
      where u.type in ('ipv4', 'ipv6')
      union all
      select u.n, e.list_id from u join exclusion_entries e
        on e.workspace_id is null and e.kind = 'suffix' and e.value = any(ioc_hosts(u.type, u.value))
      where u.type in ('domain', 'url', 'email')
        and exists (select 1 from exclusion_entries x where x.workspace_id is null and x.kind = 'suffix')
    )
    select h.n, min(l.name) as name from hits h join exclusion_lists l on l.id = h.list_id group by h.n`,
  );
  for (const hit of hits) covered.set(hit.n, hit.name);
  return covered;
}
