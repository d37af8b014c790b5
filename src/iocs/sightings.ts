/**
 * Sightings (docs/api.md §13): a workspace reports that it saw IOCs in its own environment, or judges
 * one benign there. A sighting adds to the workspace's count, moves its last time, and moves the
 * IOC's `last_seen` forward for everyone (never past now), which renews a computed validity. A
 * judgement (`false_positive` true or false) records only itself: while true, the IOC leaves that
 * workspace's listings, exports and watchlist alerts, and other workspaces see a count of such
 * reports on shared-feed IOCs. Nothing is created from a sighting: a value no IOC visible to the
 * workspace holds is answered as unknown.
 */
import { DATE_EXAMPLE, parseDateInput } from '../core/dates.js';
import { invalidParameter } from '../core/errors.js';
import { detectIoc, normalizeIocValue, normalizeText } from '../core/normalize.js';
import { IOC_TYPES, isOneOf, type IocType } from '../core/vocabulary.js';
import type { Db } from '../db/handle.js';
import { preparedRows } from '../db/prepared.js';
import { retryingConflicts } from '../db/retry.js';
import { findIocsByValue } from './repository.js';
import { SIGHTING_NAMESPACE } from '../core/stixIds.js';

export const MAX_SIGHTINGS = 1000;
export const MAX_SIGHTING_COUNT = 1_000_000;
/** A `seen_at` up to this far ahead of the server's clock is read as now (clocks differ); further is refused. */
const CLOCK_SKEW_MS = 5 * 60_000;
const MAX_SOURCE = 200;
const MAX_REASON = 500;

export interface SightingInput {
  value: string;
  type?: string | null;
  seenAt?: string | null;
  count?: number | null;
  source?: string | null;
  falsePositive?: boolean | null;
  reason?: string | null;
}

export interface SightingReport {
  recorded: number;
  unknown: { index: number; value: string }[];
  rejected: { index: number; reason: string }[];
}

/** One IOC's share of a report: its sightings added up, or its latest judgement. */
interface PerIoc {
  count: number;
  seenAt: string | null;
  source: string | null;
  falsePositive: boolean | null;
  reason: string | null;
}

type Checked = { type: IocType; value: string; seenAt: string; count: number; source: string | null } & (
  { falsePositive: null; reason: null } | { falsePositive: boolean; reason: string | null }
);

function check(item: SightingInput, now: number): Checked | string {
  const given = typeof item.type === 'string' ? item.type.trim().toLowerCase() : '';
  let found: { type: IocType; value: string } | null;
  if (given) {
    if (!isOneOf(IOC_TYPES, given)) return `type ${JSON.stringify(item.type)} is not one of ${IOC_TYPES.join(', ')}`;
    const value = normalizeIocValue(given, item.value);
    found = value === null ? null : { type: given, value };
    if (!found) return `value ${JSON.stringify(item.value.slice(0, 100))} is not a valid ${given}`;
  } else {
    found = detectIoc(item.value);
    if (!found) return `the value is not an IOC of a known type (${IOC_TYPES.join(', ')})`;
  }
  let seenAt = new Date(now).toISOString();
  if (item.seenAt !== null && item.seenAt !== undefined) {
    const parsed = parseDateInput(item.seenAt.trim());
    if (parsed === null) return `seen_at must be a real ISO 8601 date, e.g. ${DATE_EXAMPLE}`;
    if (Date.parse(parsed) > now + CLOCK_SKEW_MS) return 'seen_at is more than 5 minutes in the future';
    if (Date.parse(parsed) < now) seenAt = new Date(Date.parse(parsed)).toISOString();
  }
  const count = item.count ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > MAX_SIGHTING_COUNT)
    return `count must be a whole number from 1 to ${MAX_SIGHTING_COUNT.toLocaleString('en')}`;
  const text = (name: string, value: string | null | undefined, max: number) => {
    if (value === null || value === undefined || value.trim() === '') return null;
    return normalizeText(value, max) ?? new Error(`${name} must be at most ${max} characters of text`);
  };
  const source = text('source', item.source, MAX_SOURCE);
  if (source instanceof Error) return source.message;
  const reason = text('reason', item.reason, MAX_REASON);
  if (reason instanceof Error) return reason.message;
  if (reason !== null && typeof item.falsePositive !== 'boolean') return 'reason goes with false_positive';
  return typeof item.falsePositive === 'boolean'
    ? { ...found, seenAt, count, source, falsePositive: item.falsePositive, reason }
    : { ...found, seenAt, count, source, falsePositive: null, reason: null };
}

/**
 * Records one report of 1 to 1000 sightings in one statement: the workspace's counts and
 * judgements upserted, and the IOCs' `last_seen` moved where a sighting is later.
 */
export async function reportSightings(
  db: Db,
  workspaceId: string,
  items: readonly SightingInput[],
): Promise<SightingReport> {
  if (items.length === 0 || items.length > MAX_SIGHTINGS)
    throw invalidParameter('sightings', `must hold 1 to ${MAX_SIGHTINGS} sightings.`);
  const now = Date.now();
  const report: SightingReport = { recorded: 0, unknown: [], rejected: [] };
  const checked: [number, Checked][] = [];
  items.forEach((item, index) => {
    const result = check(item, now);
    if (typeof result === 'string') report.rejected.push({ index, reason: result });
    else checked.push([index, result]);
  });
  const found = await findIocsByValue(
    db,
    workspaceId,
    checked.map(([, c]) => c),
  );
  const perIoc = new Map<string, PerIoc>();
  for (const [index, sighting] of checked) {
    const ioc = found.get(sighting.value);
    if (!ioc || ioc.type !== sighting.type) {
      report.unknown.push({ index, value: items[index]!.value });
      continue;
    }
    report.recorded++;
    const share = perIoc.get(ioc.id) ?? { count: 0, seenAt: null, source: null, falsePositive: null, reason: null };
    if (sighting.falsePositive !== null) {
      share.falsePositive = sighting.falsePositive;
      share.reason = sighting.reason;
    } else {
      share.count = Math.min(share.count + sighting.count, Number.MAX_SAFE_INTEGER);
      if (share.seenAt === null || sighting.seenAt >= share.seenAt) {
        share.seenAt = sighting.seenAt;
        share.source = sighting.source ?? share.source;
      }
    }
    perIoc.set(ioc.id, share);
  }
  if (perIoc.size === 0) return report;
  // In id order: two reports touching the same IOCs lock them in the same order.
  const ids = [...perIoc.keys()].sort();
  const shares = ids.map((id) => perIoc.get(id)!);
  await retryingConflicts(() =>
    preparedRows(db, SIGHTINGS_SQL, [
      workspaceId,
      ids,
      shares.map((s) => String(s.count)),
      shares.map((s) => s.seenAt),
      shares.map((s) => s.source),
      shares.map((s) => (s.falsePositive === null ? null : String(s.falsePositive))),
      shares.map((s) => s.reason),
    ]),
  );
  return report;
}

const SIGHTINGS_SQL = `with s as (
    -- Every array as text (the driver's one array type), cast here.
    select * from unnest($2::text[]::uuid[], $3::text[]::bigint[], $4::text[]::timestamptz[], $5::text[], $6::text[]::boolean[], $7::text[])
      as s(ioc_id, count, seen_at, source, false_positive, reason)
  ), recorded as (
    insert into ioc_sightings (workspace_id, ioc_id, count, last_seen, source, false_positive, reason, judged_at, changed_at, updated_at)
    select $1::uuid, ioc_id, count, seen_at, source, coalesce(false_positive, false), reason,
      case when false_positive is not null then now() end, case when false_positive then now() end, now()
    from s
    on conflict (workspace_id, ioc_id) do update set
      count = ioc_sightings.count + excluded.count,
      last_seen = greatest(ioc_sightings.last_seen, excluded.last_seen),
      source = coalesce(excluded.source, ioc_sightings.source),
      false_positive = case when excluded.judged_at is null then ioc_sightings.false_positive else excluded.false_positive end,
      reason = case when excluded.judged_at is null then ioc_sightings.reason else excluded.reason end,
      judged_at = coalesce(excluded.judged_at, ioc_sightings.judged_at),
      -- A judgement that turns changes the workspace's view: a change in its TAXII view.
      changed_at = case when excluded.judged_at is not null and excluded.false_positive <> ioc_sightings.false_positive
        then now() else ioc_sightings.changed_at end,
      updated_at = now()
    returning 1
  ), renewed as (
    -- A later sighting renews the IOC for everyone: a change like any other (streams, TAXII).
    update iocs i set last_seen = s.seen_at, updated_at = now()
    from s where i.id = s.ioc_id and s.count > 0 and s.seen_at > i.last_seen
    returning 1
  )
  select (select count(*) from recorded)::int as recorded, (select count(*) from renewed)::int as renewed`;

/** What a workspace reported of one IOC, as its collection serves it: a STIX `sighting`. */
export interface SightingRow {
  /** The UUID of its STIX id (v5 of the workspace's and the IOC's ids). */
  uuid: string;
  iocId: string;
  count: number;
  lastSeen: string | null;
  falsePositive: boolean;
  createdAt: string;
  /** When the workspace last reported about the IOC: the object's `modified` and `date_added`. */
  updatedAt: string;
}

/** Which of a workspace's sightings a read in order of report covers (its TAXII collection). */
export interface SightingChangeQuery {
  workspaceId: string;
  /** Strictly after this (updated_at, uuid). */
  after?: { updatedAt: string; id: string } | null;
  changedAfter?: string | null;
  uuids?: readonly string[] | null;
  changedAt?: readonly string[] | null;
  settleMs: number;
  limit: number;
}

const SIGHTING_UUID = `uuid_generate_v5('${SIGHTING_NAMESPACE}'::uuid, workspace_id::text || ':' || ioc_id::text)`;

/**
 * The workspace's reports, oldest first by (updated_at, uuid): what it saw (a count above 0) or
 * judged. Along its index (workspace, updated_at); the same settling rule as the IOCs' changes.
 */
export async function listSightingsByChange(db: Db, query: SightingChangeQuery): Promise<SightingRow[]> {
  const params: unknown[] = [query.workspaceId, query.settleMs, query.limit];
  const where = [
    'workspace_id = $1::uuid',
    '(count > 0 or false_positive)',
    'updated_at <= now() - make_interval(secs => $2::int / 1000.0)',
  ];
  const add = (condition: (n: number) => string, ...values: unknown[]) => {
    params.push(...values);
    where.push(condition(params.length - values.length + 1));
  };
  if (query.after)
    add(
      (n) => `(updated_at, ${SIGHTING_UUID}) > ($${n}::timestamptz, $${n + 1}::uuid)`,
      query.after.updatedAt,
      query.after.id,
    );
  if (query.changedAfter) add((n) => `updated_at > $${n}::timestamptz`, query.changedAfter);
  if (query.uuids) add((n) => `${SIGHTING_UUID} = any($${n}::uuid[])`, query.uuids);
  if (query.changedAt) add((n) => `updated_at = any($${n}::text[]::timestamptz[])`, query.changedAt);
  const rows = await preparedRows<{
    uuid: string;
    ioc_id: string;
    count: string;
    last_seen: string | null;
    false_positive: boolean;
    created_at: string;
    updated_at: string;
  }>(
    db,
    `select ${SIGHTING_UUID}::text as uuid, ioc_id, least(count, 999999999)::int as count, last_seen, false_positive, created_at, updated_at
     from ioc_sightings where ${where.join(' and ')} order by updated_at, ${SIGHTING_UUID} limit $3::int`,
    params,
  );
  return rows.map((row) => ({
    uuid: row.uuid,
    iocId: row.ioc_id,
    count: Number(row.count),
    lastSeen: row.last_seen,
    falsePositive: row.false_positive,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }));
}
