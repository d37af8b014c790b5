/**
 * IOC reads. Visibility (docs/api.md §5) is part of every query: the shared feed (no workspace) and the
 * caller's own IOCs, never another workspace's.
 */
import { candidateGrams, keywordGramSet } from '../watchlists/keywordGrams.js';
import { iocMatchKeys, MIN_KEYWORD_LENGTH } from '../watchlists/matching.js';
import type { Db } from '../db/handle.js';
import { preparedRows, preparedValues } from '../db/prepared.js';
import { retryingConflicts } from '../db/retry.js';
import { iocs } from '../db/schema.js';
import { PgDialect } from 'drizzle-orm/pg-core';
import { sql, type SQL } from 'drizzle-orm';
import {
  INPUT_FIELDS,
  inputOf,
  IOC_FIELDS,
  SELECTED_FIELDS,
  snakeName,
  type IocInputField,
  type IocRow,
  type IocUpsert,
} from './record.js';
import { INDICATOR_NAMESPACE } from '../core/stixIds.js';
import type { IocType } from '../core/normalize.js';
import { objectBuilder } from '../core/records.js';
import type { IocStatusFilter } from '../core/vocabulary.js';
import { ACTIVE_SQL, activeSql, EXPIRES_SQL, judgeValidity, SCORE_SQL } from './validity.js';
import { epochMs } from '../db/time.js';
import { KEPT_SQL, VIEW_COLUMNS, VIEW_JOIN } from './sightingsSql.js';
import { excludedBySql } from './exclusionsSql.js';

/** Each status as a condition on a row (src/iocs/validity.ts). */
const STATUS_CONDITIONS: Record<IocStatusFilter, string | null> = {
  active: ACTIVE_SQL,
  expired: `(not revoked and ${EXPIRES_SQL} <= now())`,
  revoked: 'revoked',
  any: null,
};

export type { IocRow };

export interface IocFilters {
  type?: IocType | null | undefined;
  /** A value prefix, already normalised for the type. */
  valuePrefix?: string | null | undefined;
  updatedSince?: string | null | undefined;
  minConfidence?: number | null | undefined;
  tag?: string | null | undefined;
  /** Active IOCs when not given (docs/api.md §13); `any`: every status. */
  status?: IocStatusFilter | null | undefined;
  minScore?: number | null | undefined;
  /** Only IOCs of this source. */
  source?: string | null | undefined;
  /** Only the workspace's own (`own`) or only the shared feed's (`shared`); both when not given. */
  owner?: 'own' | 'shared' | null | undefined;
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * The columns of an IOC, in the record's order (src/iocs/record.ts), read as arrays (`iocRows`).
 * The driver's default, an object per row filled under each column's name, and its parser for
 * `text[]`, were most of a lookup's time on the main thread (50 rows of 15 columns); arrays, and
 * the tags as JSON, cost about half of it (docs/performance.md).
 */
const columnsOf = (reads: Partial<Record<(typeof SELECTED_FIELDS)[number], string>> = {}) =>
  [...SELECTED_FIELDS.map((field) => reads[field] ?? IOC_FIELDS[field].read ?? snakeName(field)), NOW_MS_SQL].join(
    ', ',
  );
/** The statement's `now()` (epoch milliseconds), after the fields: the instant its filters judged validity by. */
const NOW_MS_SQL = '(extract(epoch from now()) * 1000)::float8';
const IOC_COLUMNS = columnsOf();

/** The IOCs with the calling workspace's view of each (`$1`, src/iocs/sightingsSql.ts), which `IOC_COLUMNS` read. */
const IOC_FROM = `iocs ${VIEW_JOIN}`;

/**
 * Runs a query selecting `IOC_COLUMNS`, whose first parameter is the calling workspace's id (the
 * record shows that workspace's sightings and judgements); its rows as `IocRow`s, every one of the
 * same shape.
 */
async function iocRows(db: Db, text: string, params: unknown[]): Promise<IocRow[]> {
  const rows = await preparedValues<unknown[]>(db, text, params);
  return rows.map(decodeRow);
}

/**
 * A row's columns under the record's names, whether it is the shared feed's, and its status and
 * score at the statement's instant, from when its validity ends (src/iocs/validity.ts): one literal
 * of fixed shape.
 */
function decodeRow(values: unknown[]): IocRow {
  const row = rowLiteral(values);
  const { status, score } = judgeValidity(
    row.type,
    row.confidence,
    row.revoked,
    epochMs(row.lastSeen),
    row.validUntil === null ? null : epochMs(row.validUntil),
    values[SELECTED_FIELDS.length] as number,
  );
  row.status = status;
  row.score = score;
  return row;
}

const rowLiteral = objectBuilder<[unknown[]], IocRow>(
  ['values'],
  [
    ...SELECTED_FIELDS.map((field, i): [string, string] => [field, `values[${i}]`]),
    ['shared', `values[${SELECTED_FIELDS.indexOf('workspaceId')}] === null`],
    ['status', 'null'],
    ['score', '0'],
  ],
);

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
  const text = `select ${IOC_COLUMNS} from ${IOC_FROM} where ${where.join(' and ')} order by updated_at desc, id desc limit $${params.length}::int`;
  return iocRows(db, text, params);
}

/**
 * What the workspace hides (judged a false positive, or covered by its lists), as one hashed set:
 * read once per statement instead of probing its view for every row, where a statement reads
 * tens of thousands of rows.
 */
const NOT_HIDDEN_SQL = `id not in (select ioc_id from ioc_sightings where workspace_id = $1::uuid and (false_positive or excluded_by is not null))`;

/**
 * The values alone of what the listing's filters match, newest first, a page after `after`, as one
 * text of lines: block lists (docs/api.md §14) read up to 150,000 of them a request, so the page is
 * joined in the database (one value to send and parse, not one row each), with the position of its
 * last row for the next page.
 */
export async function listIocValues(
  db: Db,
  workspaceId: string,
  filters: IocFilters,
  limit: number,
  after: { updatedAt: string; id: string } | null,
): Promise<{ text: string; count: number; last: { updatedAt: string; id: string } | null }> {
  const { where, params } = whereClause(workspaceId, filters, NOT_HIDDEN_SQL);
  if (after) {
    params.push(after.updatedAt, after.id);
    where.push(`(updated_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(limit);
  // PostgreSQL aggregates a subquery's rows in the order it produced them. The last row is the
  // page's earliest `updated_at`, and the last of its ids (an array of uuids costs a sixth of the
  // page's time; of their texts, as much as the page). Without parallel workers: merging their
  // ordered rows cost a page of 25,000 a third more than one process reading them (a list of
  // 150,000 in one statement, five times as much), and a request's statement keeps to one core.
  const [row] = await db.transaction(async (tx) => {
    await tx.execute(sql`set local max_parallel_workers_per_gather = 0`);
    return preparedValues<[string | null, number, string | null, string | null]>(
      tx,
      `select string_agg(value, E'\\n'), count(*)::int, min(updated_at)::text, ((array_agg(id))[count(*)])::text
       from (select value, updated_at, id from iocs where ${where.join(' and ')}
             order by iocs.updated_at desc, iocs.id desc limit $${params.length}::int) page`,
      params,
    );
  });
  const [text, count, updatedAt, id] = row ?? [null, 0, null, null];
  return { text: text ?? '', count, last: updatedAt && id ? { updatedAt, id } : null };
}

/**
 * The last change of anything the filters could match, as the workspace sees it: the newest
 * `updated_at` of the IOCs it may read of that type (and owner), and the newest change of its own
 * view of IOCs (judgements, exclusion lists). Two index reads, whatever the number of IOCs.
 */
export async function latestIocChange(
  db: Db,
  workspaceId: string,
  filters: Pick<IocFilters, 'type' | 'owner'>,
): Promise<string | null> {
  const owner =
    filters.owner === 'own'
      ? 'workspace_id = $1'
      : filters.owner === 'shared'
        ? 'workspace_id is null'
        : '(workspace_id is null or workspace_id = $1)';
  const [row] = await preparedValues<[string | null]>(
    db,
    `select greatest(
       (select updated_at from iocs where type = $2::ioc_type and ${owner} order by type desc, updated_at desc, id desc limit 1),
       (select changed_at from ioc_sightings where workspace_id = $1::uuid and changed_at is not null order by workspace_id desc, changed_at desc, ioc_id desc limit 1)
     )::text`,
    [workspaceId, filters.type],
  );
  return row?.[0] ?? null;
}

/** Every IOC the listing's filters match, on all pages (the same conditions, without a cursor). */
export async function countIocs(db: Db, workspaceId: string, filters: IocFilters): Promise<number> {
  const { where, params } = whereClause(workspaceId, filters);
  const [row] = await preparedRows<{ n: number }>(
    db,
    `select count(*)::int as n from ${IOC_FROM} where ${where.join(' and ')}`,
    params,
  );
  return row?.n ?? 0;
}

/** The visibility and filter conditions shared by the listing and its count, as SQL text and parameters. */
function whereClause(
  workspaceId: string,
  filters: IocFilters,
  kept: string = KEPT_SQL,
): { where: string[]; params: unknown[] } {
  const params: unknown[] = [workspaceId];
  // What the workspace judged a false positive, or its exclusion lists cover, leaves its listings
  // and exports (docs/api.md §13): `kept` says so, from the view's columns (`VIEW_JOIN`) by default.
  const where = [
    filters.owner === 'own'
      ? 'workspace_id = $1'
      : filters.owner === 'shared'
        ? 'workspace_id is null'
        : '(workspace_id is null or workspace_id = $1)',
    kept,
  ];
  const add = (condition: (n: string) => string, value: unknown) => {
    params.push(value);
    where.push(condition(`$${params.length}`));
  };
  if (filters.type) add((n) => `type = ${n}::ioc_type`, filters.type);
  if (filters.valuePrefix) add((n) => `value like ${n}`, `${escapeLike(filters.valuePrefix)}%`);
  if (filters.updatedSince) add((n) => `updated_at >= ${n}::timestamptz`, filters.updatedSince);
  if (filters.minConfidence !== null && filters.minConfidence !== undefined)
    add((n) => `confidence >= ${n}::int`, filters.minConfidence);
  if (filters.tag) add((n) => `tags @> array[${n}::text]`, filters.tag);
  if (filters.source) add((n) => `source = ${n}`, filters.source);
  const status = STATUS_CONDITIONS[filters.status ?? 'active'];
  if (status) where.push(status);
  if (filters.minScore !== null && filters.minScore !== undefined)
    add((n) => `${SCORE_SQL} >= ${n}::int`, filters.minScore);
  return { where, params };
}

export async function findIoc(db: Db, workspaceId: string, id: string): Promise<IocRow | undefined> {
  const [row] = await iocRows(
    db,
    `select ${IOC_COLUMNS} from ${IOC_FROM} where id = $2::uuid and (workspace_id is null or workspace_id = $1)`,
    [workspaceId, id],
  );
  return row;
}

/**
 * IOCs by id, whoever owns them: for what has already checked who may see them (an alert's
 * record belongs to the alert's workspace or the shared feed).
 */
export function findIocsById(db: Db, workspaceId: string, ids: readonly string[]): Promise<IocRow[]> {
  return iocRows(db, `select ${IOC_COLUMNS} from ${IOC_FROM} where id = any($2::uuid[])`, [workspaceId, ids]);
}

/**
 * Revokes one of the workspace's own IOCs (docs/api.md §13: `DELETE /api/v1/iocs/{id}`), a change
 * like any other (it moves `updated_at`: streams and TAXII polls see it). `shared`: the IOC is the
 * feed's, read-only to workspaces; `unknown`: no such IOC visible to the workspace.
 */
export async function revokeOwnIoc(db: Db, workspaceId: string, id: string): Promise<'revoked' | 'shared' | 'unknown'> {
  const [row] = await preparedRows<{ shared: boolean }>(
    db,
    `with found as (
       select id, workspace_id from iocs where id = $1::uuid and (workspace_id is null or workspace_id = $2::uuid)
     ), revoked as (
       update iocs set revoked = true, updated_at = now()
       where id = (select id from found where workspace_id is not null) and not revoked
     )
     select workspace_id is null as shared from found`,
    [id, workspaceId],
  );
  return !row ? 'unknown' : row.shared ? 'shared' : 'revoked';
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
  const typeOf = new Map<string, IocType>();
  for (const { type, value } of wanted) typeOf.set(value, type);
  // One array parameter: one prepared statement whatever the number of values, read as a single
  // index scan of `value = any(…)` (no join, no sort; the preference below is made here).
  const rows = await iocRows(
    db,
    `select ${IOC_COLUMNS} from ${IOC_FROM} where value = any($2::text[]) and (workspace_id is null or workspace_id = $1)`,
    [workspaceId, [...typeOf.keys()]],
  );
  for (const row of rows) {
    if (row.type !== typeOf.get(row.value)) continue;
    const seen = found.get(row.value);
    if (!seen || (seen.workspaceId === null && row.workspaceId !== null)) found.set(row.value, row);
  }
  return found;
}

export type { IocUpsert };

/** The value of a column's default as SQL text (a number, a string, or drizzle's `sql` of it). */
function defaultSql(column: (typeof iocs)[IocInputField]): string | null {
  const given: unknown = column.default;
  if (given === undefined) return null;
  if (typeof given === 'number' || typeof given === 'boolean') return String(given);
  if (typeof given === 'string') return `'${given.replaceAll("'", "''")}'`;
  return new PgDialect().sqlToQuery(given as SQL).sql;
}

/** How a given value meets the stored one, by the field's rule. */
function mergeRule(spec: { merge: string }, name: string, given: string, fallback: string | null): string {
  if (spec.merge === 'reset') return fallback === null ? given : `coalesce(${given}, ${fallback})`;
  return spec.merge === 'earliest'
    ? `least(i.${name}, ${given})`
    : spec.merge === 'latest'
      ? `greatest(i.${name}, ${given})`
      : `coalesce(${given}, i.${name})`;
}

/**
 * Confidence wins (docs/api.md §13): an upsert less confident than what is stored renews
 * `last_seen`, applies a source's `valid_until` and adds tags, and leaves every other field as it
 * is (src/iocs/record.ts, `lessConfident`). Equal or higher, or no confidence given: as before.
 */
const LESS_CONFIDENT = `coalesce(u.confidence < i.confidence, false)`;
function lessConfidentRule(spec: { lessConfident?: 'apply' | 'union' }, name: string, rule: string): string {
  if (spec.lessConfident === 'apply') return rule;
  if (spec.lessConfident === 'union')
    return `case when ${LESS_CONFIDENT} then i.${name} || array(select t from unnest(coalesce(u.${name}, '{}')) as t where t <> all(i.${name})) else ${rule} end`;
  return `case when ${LESS_CONFIDENT} then i.${name} else ${rule} end`;
}

/**
 * The parts of the upsert each input field adds, from its declaration (src/iocs/record.ts): one
 * text array parameter each (tags joined by `;`), cast to the column's type; the update's merge
 * rule; a new row's value.
 */
const UPSERT_FIRST_FIELD_PARAM = 7;
const upsertParts = INPUT_FIELDS.map((field, index) => {
  const column = iocs[field];
  const name = column.name;
  const spec = inputOf(field);
  const given = `u.${name}`;
  const fallback = defaultSql(column);
  return {
    field,
    param: `$${UPSERT_FIRST_FIELD_PARAM + index}::text[]`,
    name,
    cast:
      IOC_FIELDS[field].kind === 'tags'
        ? `string_to_array(u.${name}, ';') as ${name}`
        : `u.${name}::${column.getSQLType()} as ${name}`,
    merged: lessConfidentRule(spec, name, mergeRule(spec, name, given, fallback)),
    insert: spec.insert ?? (fallback === null ? given : `coalesce(${given}, ${fallback})`),
  };
});

/** A field's value as its text parameter: null when not given, tags joined by `;`. */
const asParam = (value: string | number | boolean | readonly string[] | null): string | null =>
  value === null ? null : typeof value === 'object' ? value.join(';') : String(value);

/**
 * Upserts IOCs by (type, value) in the feed (`workspaceId` null) or a workspace, in one statement:
 * each field meets what is stored by its rule (src/iocs/record.ts: the given value replaces, the
 * earliest `first_seen` and the latest `last_seen` win), fields not given keep what is stored,
 * and `updated_at` moves so that listings and streams see the change; a row that would change
 * nothing is not written. `rows` must not repeat a (type, value). Returns how many rows were
 * created and how many updated (the others were unchanged).
 */
const UPSERT_SQL = `with u as (
       select u.type::ioc_type as type, u.value collate "C" as value, ${upsertParts.map((p) => p.cast).join(', ')}, u.match_keys, u.grams
       from unnest($1::text[], $2::text[], $4::text[], $5::text[], ${upsertParts.map((p) => p.param).join(', ')})
         as u(type, value, match_keys, grams, ${upsertParts.map((p) => p.name).join(', ')})
     ), updated as (
       update iocs i set
         ${upsertParts.map((p) => `${p.name} = ${p.merged}`).join(',\n         ')},
         updated_at = now()
       from u
       where i.value = u.value and i.type = u.type and i.workspace_id is not distinct from $3::uuid
         -- A row that would change nothing is left as it is (counted unchanged): a feed pulled again
         -- moves no IOC in listings, streams and TAXII polls (docs/api.md §14).
         and (${upsertParts.map((p) => `i.${p.name}`).join(', ')}) is distinct from (${upsertParts.map((p) => p.merged).join(', ')})
       returning i.id, i.type, i.value, ${activeSql('i')} as active
     ), created as (
       insert into iocs (type, value, workspace_id, ${upsertParts.map((p) => p.name).join(', ')})
       select u.type, u.value, $3::uuid, ${upsertParts.map((p) => p.insert).join(', ')}
       from u
       where not exists (select 1 from updated where updated.type = u.type and updated.value = u.value)
       on conflict on constraint iocs_identity do nothing
       returning id, type, value, ${ACTIVE_SQL} as active
     ), covered as (
       -- A new IOC that workspaces' own exclusion lists cover (only the importing workspace's, for its
       -- own IOCs) starts covered in their views of it (docs/api.md §13; a list's change recomputes
       -- its cover whole, drizzle/0022). Each kind is looked up only when some workspace has entries of it.
       insert into ioc_sightings (workspace_id, ioc_id, excluded_by, changed_at)
       select x.workspace_id, x.id, min(l.name), now()
       from (
         select c.id, e.workspace_id, e.list_id from created c
         join exclusion_entries e on e.kind = 'value' and e.value = c.value collate "default" and e.workspace_id is not null
         where (select exists (select 1 from exclusion_entries where kind = 'value' and workspace_id is not null))
         union all
         select c.id, e.workspace_id, e.list_id from created c
         join exclusion_entries e on e.kind = 'suffix' and e.value = any(ioc_hosts(c.type::text, c.value collate "default")) and e.workspace_id is not null
         where c.type in ('domain', 'url', 'email')
           and (select exists (select 1 from exclusion_entries where kind = 'suffix' and workspace_id is not null))
         union all
         select c.id, e.workspace_id, e.list_id from created c
         join exclusion_entries e on e.kind = 'cidr' and e.network >>= c.value::inet and e.workspace_id is not null
         where c.type in ('ipv4', 'ipv6')
           and (select exists (select 1 from exclusion_entries where kind = 'cidr' and workspace_id is not null))
       ) x
       join exclusion_lists l on l.id = x.list_id
       where $3::uuid is null or x.workspace_id = $3::uuid
       group by x.workspace_id, x.id
       on conflict do nothing
       returning 1
     ), touched as (
       -- Only active IOCs raise alerts: not one revoked, nor one whose validity had ended when it came.
       select id, type, value from updated where active union all select id, type, value from created where active
     ), matched as (
       -- Watchlist alerts (docs/api.md §10): entries whose key the IOC carries (its host and parents,
       -- its email), and keywords of 4 characters or more inside a domain or URL.
       select t.id, e.id as entry_id
       from touched t join u on u.type = t.type and u.value = t.value
       cross join lateral unnest(string_to_array(u.match_keys, ' ')) as k(key)
       join watchlist_entries e on e.match_key = k.key
       union
       -- A keyword is keyed on one run of four of its characters (drizzle/0012): the runs of the
       -- IOC's value find the only keywords that could be inside it, through their index, and
       -- only those are compared whole; the other tenants' keywords are never read. The runs come
       -- from this process's set of keys (src/watchlists/keywordGrams.ts) while its version is the
       -- current one, else (and for values that are not plain ASCII) they are computed here.
       -- Each branch looks up one IOC's runs at a time through the index (a lateral query cannot be
       -- turned into a hash join over every keyword).
       select t.id, e.id from touched t join u on u.type = t.type and u.value = t.value
       cross join lateral (
         select e.id, e.value from watchlist_entries e
         where e.keyword_gram = any(string_to_array(u.grams, E'\\n'))
       ) e
       where t.type in ('domain', 'url') and u.grams <> '' and $6::bigint = (select version from keyword_gram_version where id = 1)
         and strpos(lower(t.value) collate "C", e.value collate "C") > 0
       union
       select t.id, e.id from touched t join u on u.type = t.type and u.value = t.value
       cross join lateral (
         select e.id, e.value from watchlist_entries e
         where e.keyword_gram = any(array(
           select substr(lower(t.value), i, ${MIN_KEYWORD_LENGTH}) collate "C" from generate_series(1, length(t.value) - ${MIN_KEYWORD_LENGTH - 1}) as i))
       ) e
       where t.type in ('domain', 'url') and (u.grams is null or $6::bigint <> (select version from keyword_gram_version where id = 1))
         and strpos(lower(t.value) collate "C", e.value collate "C") > 0
     ), alerted as (
       insert into alerts (id, workspace_id, watchlist_id, entry_id, entry_type, entry_value, kind, record_id)
       select uuidv7(), w.workspace_id, w.id, e.id, e.type, e.value, 'ioc', m.id
       from matched m
       join watchlist_entries e on e.id = m.entry_id
       join watchlists w on w.id = e.watchlist_id
       -- Only a workspace that can read the IOC (the shared feed, or its own) and has not judged it a
       -- false positive.
       where ($3::uuid is null or $3::uuid = w.workspace_id)
         and not exists (select 1 from ioc_sightings s where s.workspace_id = w.workspace_id and s.ioc_id = m.id and s.false_positive)
         and (select ${excludedBySql('w.workspace_id', 't')} from touched t where t.id = m.id) is null
       on conflict do nothing
       returning 1
     )
     select (select count(*) from created)::int as created, (select count(*) from updated)::int as updated,
            (select count(*) from alerted)::int as alerts, (select count(*) from covered)::int as covered, (select version from keyword_gram_version where id = 1)::int8::text as keyword_version`;

export async function upsertIocs(
  db: Db,
  workspaceId: string | null,
  rows: readonly IocUpsert[],
): Promise<{ created: number; updated: number; alerts: number }> {
  if (rows.length === 0) return { created: 0, updated: 0, alerts: 0 };
  // In one order whatever the caller's (type, then value, as the identity index has them): two
  // statements writing the same rows lock them in the same order, which leaves little to deadlock
  // on; what still does is run again (docs/api.md §12).
  rows = [...rows].sort((a, b) =>
    a.type < b.type ? -1 : a.type > b.type ? 1 : a.value < b.value ? -1 : a.value > b.value ? 1 : 0,
  );
  const keywordSet = keywordGramSet(db);
  const keywords = await keywordSet.get();
  const [counts] = await retryingConflicts(() =>
    preparedRows<{ created: number; updated: number; alerts: number; keyword_version: string }>(db, UPSERT_SQL, [
      rows.map((row) => row.type),
      rows.map((row) => row.value),
      workspaceId,
      rows.map((row) => iocMatchKeys(row.type, row.value).join(' ')),
      rows.map((row) => (row.type === 'domain' || row.type === 'url' ? candidateGrams(row.value, keywords.grams) : '')),
      keywords.version,
      ...upsertParts.map(({ field }) => rows.map((row) => asParam(row[field]))),
    ]),
  );
  const { created, updated, alerts, keyword_version } = counts!;
  keywordSet.saw(Number(keyword_version));
  return { created, updated, alerts };
}

/** Which IOCs a read in order of change covers (the change stream, TAXII collections). */
export interface ChangeQuery {
  /** The shared feed (`shared`), one workspace's own (`own`), or both (`visible`, as the listing). */
  collection: 'shared' | 'own' | 'visible';
  workspaceId: string;
  type?: IocType | null;
  /** Strictly after this (updated_at, id). */
  after?: { updatedAt: string; id: string } | null;
  /** Only IOCs changed strictly after this instant (ISO 8601). */
  changedAfter?: string | null;
  /** Only the IOCs whose STIX indicator id holds one of these UUIDs (src/iocs/stix.ts). */
  indicatorUuids?: readonly string[] | null;
  /** Only the IOCs last changed at one of these instants (ISO 8601): a STIX `modified`. */
  changedAt?: readonly string[] | null;
  /**
   * Only rows at least this old by the database's clock: a transaction still open with an earlier
   * `updated_at` (its start) cannot then commit behind a reader that has moved on.
   */
  settleMs: number;
  limit: number;
  /** Show what the workspace judged a false positive or excluded as revoked (its TAXII view). */
  withdrawHidden?: boolean;
}

/**
 * IOCs oldest change first, by (change, id): the order of the change stream and of TAXII's
 * `date_added`. An IOC's change, as the workspace sees it, is the later of its own (`updated_at`)
 * and of the workspace's view of it (a judgement, an exclusion list: `changed_at`, docs/api.md §13),
 * each row once. Two branches, each read along its index from the position given (the IOCs by
 * `(updated_at, id)`, the workspace's views by `(workspace_id, changed_at, ioc_id)`), merged: one
 * plain SQL text per combination of conditions, each a prepared statement. The rows' `updatedAt`
 * is that change; `withdrawHidden` (TAXII) shows what the workspace hides as revoked.
 */
export async function listIocsByChange(db: Db, query: ChangeQuery): Promise<IocRow[]> {
  // The workspace first: what the record shows of its own view reads `$1`.
  const params: unknown[] = [query.workspaceId, query.settleMs, query.limit];
  // Each condition on the change, written for both branches: `at` is the branch's change column.
  const common: string[] = [];
  const onChange: ((at: string, id: string) => string)[] = [
    (at) => `${at} <= now() - make_interval(secs => $2::int / 1000.0)`,
  ];
  const param = (...values: unknown[]) => {
    params.push(...values);
    return params.length - values.length + 1;
  };
  if (query.collection === 'shared') common.push('workspace_id is null');
  else if (query.collection === 'own') common.push('workspace_id = $1::uuid');
  else common.push('(workspace_id is null or workspace_id = $1::uuid)');
  if (query.type) common.push(`type = $${param(query.type)}::ioc_type`);
  if (query.after) {
    const n = param(query.after.updatedAt, query.after.id);
    onChange.push((at, id) => `(${at}, ${id}) > ($${n}::timestamptz, $${n + 1}::uuid)`);
  }
  if (query.changedAfter) {
    const n = param(query.changedAfter);
    onChange.push((at) => `${at} > $${n}::timestamptz`);
  }
  if (query.indicatorUuids)
    common.push(
      `uuid_generate_v5('${INDICATOR_NAMESPACE}'::uuid, id::text) = any($${param(query.indicatorUuids)}::uuid[])`,
    );
  if (query.changedAt) {
    const n = param(query.changedAt);
    onChange.push((at) => `${at} = any($${n}::text[]::timestamptz[])`);
  }
  const columns = query.withdrawHidden ? WITHDRAWN_COLUMNS : CHANGE_COLUMNS;
  const branch = (from: string, at: string, id: string, own: string) =>
    `(select ${columns}, ${at} as change_at, ${id} as change_id from ${from}
      where ${[...common, own, ...onChange.map((condition) => condition(at, id))].join(' and ')}
      order by ${at}, ${id} limit $3::int)`;
  return iocRows(
    db,
    `select * from (
       ${branch(IOC_FROM, 'updated_at', 'id', 'not coalesce(view_changed_at > updated_at, false)')}
       union all
       ${branch(VIEWED_FROM, 'view_changed_at', 'view_ioc', 'view_changed_at > updated_at')}
     ) as changes order by change_at, change_id limit $3::int`,
    params,
  );
}

/**
 * The IOCs whose view the workspace (`$1`) changed, from that view: read along its index in order of
 * change, each IOC probed by its key (a lateral probe, so that the planner never reads the IOCs
 * whole to join them, whatever it counts of the workspace's rows).
 */
const VIEWED_FROM = `(select ${VIEW_COLUMNS} from ioc_sightings where workspace_id = $1::uuid and changed_at is not null) as view
  cross join lateral (select * from iocs where iocs.id = view.view_ioc limit 1) as iocs`;

/** An IOC's columns with its change as the workspace sees it. */
const CHANGED_SQL = 'greatest(updated_at, view_changed_at)';
const CHANGE_COLUMNS = columnsOf({ updatedAt: CHANGED_SQL });
/** The same, what the workspace hides shown as revoked (a TAXII view, docs/api.md §13). */
const WITHDRAWN_COLUMNS = columnsOf({ updatedAt: CHANGED_SQL, revoked: `(revoked or not ${KEPT_SQL})` });

/** Where a change stream without a past starts: just before the changes it must not wait for. */
export async function changeStreamStart(db: Db, settleMs: number): Promise<{ updatedAt: string; id: string }> {
  const [row] = await preparedRows<{ at: string }>(
    db,
    `select (now() - make_interval(secs => $1::int / 1000.0))::text as at`,
    [settleMs],
  );
  return { updatedAt: row!.at, id: 'ffffffff-ffff-ffff-ffff-ffffffffffff' };
}

/** IOCs by type, and of them how many are active and how many revoked (the rest expired). */
export interface IocTypeCount {
  type: IocType;
  count: number;
  active: number;
  revoked: number;
}

/** IOCs by type in the shared feed (`workspaceId` null) or one workspace's own, with their statuses now. */
export function countIocsByType(db: Db, workspaceId: string | null): Promise<IocTypeCount[]> {
  const columns = `type::text as type, count(*)::int as count, (count(*) filter (where ${ACTIVE_SQL}))::int as active,
    (count(*) filter (where revoked))::int as revoked`;
  return preparedRows<IocTypeCount>(
    db,
    workspaceId === null
      ? `select ${columns} from iocs where workspace_id is null group by type order by type`
      : `select ${columns} from iocs where workspace_id = $1::uuid group by type order by type`,
    workspaceId === null ? [] : [workspaceId],
  );
}
