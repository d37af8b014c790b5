/**
 * The MISP feed served out (docs/api.md §14): the shared feed (`shared`) and the workspace's own
 * IOCs (`own`) as a MISP feed folder, so that a MISP instance adds this server as a feed and pulls
 * it like any other: `manifest.json`, `hashes.csv`, and one `<uuid>.json` per event.
 *
 * Events are fixed: one per source and UTC day of `first_seen`, its UUID derived from the
 * collection (`shared`, or the workspace's id), the source and the day, so a MISP that fetches
 * again updates events rather than doubling them. The database indexes the same derivation
 * (`misp_event_uuid`, drizzle/0024) so an event is read by its UUID. An event's `timestamp` is its
 * newest change, as the workspace sees it; an IOC that stops being active (revoked, expired, judged
 * a false positive or covered by the workspace's lists) stays in its event with `to_ids: false`.
 */
import { v5 as uuidv5 } from 'uuid';
import { decodeCursor, encodeCursor } from '../core/cursors.js';
import { UUID_PATTERN } from '../core/ids.js';
import type { IocType } from '../core/vocabulary.js';
import { MISP_EVENT_NAMESPACE, MISP_ATTRIBUTE_NAMESPACE } from '../core/stixIds.js';
import type { Db } from '../db/handle.js';
import { preparedValues } from '../db/prepared.js';
import { KEPT_SQL, VIEW_JOIN } from '../iocs/sightingsSql.js';
import { ACTIVE_SQL } from '../iocs/validity.js';
import { MISP_TYPES } from './misp.js';

export type MispCollection = 'shared' | 'own';

/** Attributes read per statement of an event, lines per statement of `hashes.csv`. */
export const MISP_PAGE = 5000;

const CATEGORIES: Record<IocType, string> = {
  ipv4: 'Network activity',
  ipv6: 'Network activity',
  domain: 'Network activity',
  url: 'Network activity',
  email: 'Payload delivery',
  md5: 'Payload delivery',
  sha1: 'Payload delivery',
  sha256: 'Payload delivery',
};

const OWNER_SQL: Record<MispCollection, string> = {
  shared: 'workspace_id is null',
  own: 'workspace_id = $1::uuid',
};

/** An event's UUID, as `misp_event_uuid` computes it in the database. */
export function mispEventUuid(workspaceId: string | null, source: string | null, day: string): string {
  return uuidv5(`${workspaceId ?? 'shared'}/${source ?? ''}/${day}`, MISP_EVENT_NAMESPACE);
}

const DAY_SQL = `to_char(first_seen at time zone 'UTC', 'YYYY-MM-DD')`;

interface EventHead {
  uuid: string;
  info: string;
  date: string;
  timestamp: string;
  publish_timestamp: string;
  published: true;
  analysis: '2';
  threat_level_id: '4';
  Orgc: { name: string; uuid: string };
  Tag: { name: string }[];
}

function head(
  collection: MispCollection,
  workspace: { id: string; name: string },
  source: string | null,
  day: string,
  timestamp: number,
): EventHead {
  const owner = collection === 'shared' ? null : workspace.id;
  const stamp = String(timestamp);
  return {
    uuid: mispEventUuid(owner, source, day),
    info: `${source ?? 'IOCs without a source'}: first seen ${day}`,
    date: day,
    timestamp: stamp,
    publish_timestamp: stamp,
    published: true,
    analysis: '2',
    threat_level_id: '4',
    Orgc:
      collection === 'shared'
        ? { name: 'Shared feed', uuid: uuidv5('shared feed', MISP_EVENT_NAMESPACE) }
        : { name: workspace.name, uuid: uuidv5(workspace.id, MISP_EVENT_NAMESPACE) },
    Tag: [],
  };
}

/**
 * `manifest.json`: every event of the collection by UUID, with its day and newest change. One
 * pass over the collection's IOCs grouped by source and day, and one over the workspace's changed
 * views of them.
 */
export async function mispManifest(
  db: Db,
  workspace: { id: string; name: string },
  collection: MispCollection,
): Promise<Record<string, Omit<EventHead, 'uuid' | 'published' | 'publish_timestamp'>>> {
  const groups = await preparedValues<[string | null, string, string]>(
    db,
    `select source, ${DAY_SQL} as day, extract(epoch from max(updated_at))::bigint::text
     from iocs where ${OWNER_SQL[collection]} and $1::uuid is not null group by 1, 2`,
    [workspace.id],
  );
  const views = await preparedValues<[string | null, string, string]>(
    db,
    `select i.source, ${DAY_SQL.replace('first_seen', 'i.first_seen')} as day, extract(epoch from max(v.changed_at))::bigint::text
     from ioc_sightings v join iocs i on i.id = v.ioc_id
     where v.workspace_id = $1::uuid and v.changed_at is not null and i.${OWNER_SQL[collection]} group by 1, 2`,
    [workspace.id],
  );
  const viewed = new Map(views.map(([source, day, at]) => [`${source ?? ''}/${day}`, Number(at)]));
  const manifest: Record<string, Omit<EventHead, 'uuid' | 'published' | 'publish_timestamp'>> = {};
  for (const [source, day, at] of groups) {
    const timestamp = Math.max(Number(at), viewed.get(`${source ?? ''}/${day}`) ?? 0);
    const {
      uuid,
      published: _p,
      publish_timestamp: _t,
      ...entry
    } = head(collection, workspace, source, day, timestamp);
    manifest[uuid] = entry;
  }
  return manifest;
}

export interface MispAttribute {
  uuid: string;
  type: string;
  category: string;
  value: string;
  to_ids: boolean;
  comment: string;
  timestamp: string;
  first_seen: string;
  last_seen: string;
  deleted: false;
  disable_correlation: false;
  Tag: { name: string }[];
}

export interface MispEventPage {
  /** The event without its attributes, on the first page; null on the others, and when there is no such event. */
  event: EventHead | null;
  attributes: MispAttribute[];
  endCursor: string | null;
  hasNextPage: boolean;
}

type AttributeRow = [
  id: string,
  type: IocType,
  value: string,
  active: boolean,
  threatType: string | null,
  malwareFamily: string | null,
  tlp: string,
  tags: string,
  updated: string,
  firstSeen: string,
  lastSeen: string,
];

const iso = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * One page of an event's attributes (by IOC id); the first page (no `after`) with the event's head,
 * its `timestamp` the newest change of all its attributes.
 */
export async function mispEventPage(
  db: Db,
  workspace: { id: string; name: string },
  collection: MispCollection,
  uuid: string,
  first: number,
  after: string | null,
): Promise<MispEventPage> {
  const [afterId] = decodeCursor(after, [UUID_PATTERN]) ?? [null];
  const where = `misp_event_uuid(workspace_id, source, first_seen) = $2::uuid and ${OWNER_SQL[collection]}`;
  let event: EventHead | null = null;
  if (afterId === null) {
    const [found] = await preparedValues<[string | null, string, string]>(
      db,
      `select min(source), min(${DAY_SQL}), extract(epoch from max(greatest(updated_at, view_changed_at)))::bigint::text
       from iocs ${VIEW_JOIN} where ${where} having count(*) > 0`,
      [workspace.id, uuid],
    );
    if (!found) return { event: null, attributes: [], endCursor: null, hasNextPage: false };
    event = head(collection, workspace, found[0], found[1], Number(found[2]));
  }
  const rows = await preparedValues<AttributeRow>(
    db,
    `select id, type, value, ${ACTIVE_SQL} and ${KEPT_SQL}, threat_type, malware_family, tlp, array_to_json(tags)::text,
       extract(epoch from greatest(updated_at, view_changed_at))::bigint::text, ${iso('first_seen')}, ${iso('last_seen')}
     from iocs ${VIEW_JOIN}
     where ${where} and ($3::uuid is null or id > $3::uuid)
     order by id limit $4::int`,
    [workspace.id, uuid, afterId, first + 1],
  );
  const page = rows.slice(0, first);
  return {
    event,
    attributes: page.map(attributeOf),
    endCursor: page.length ? encodeCursor([page.at(-1)![0]]) : null,
    hasNextPage: rows.length > first,
  };
}

function attributeOf(row: AttributeRow): MispAttribute {
  const [id, type, value, active, threatType, malwareFamily, tlp, tags, updated, firstSeen, lastSeen] = row;
  return {
    uuid: uuidv5(id, MISP_ATTRIBUTE_NAMESPACE),
    type: MISP_TYPES[type],
    category: CATEGORIES[type],
    value,
    to_ids: active,
    comment: [threatType, malwareFamily].filter(Boolean).join(', '),
    timestamp: updated,
    first_seen: firstSeen,
    last_seen: lastSeen,
    deleted: false,
    disable_correlation: false,
    Tag: [{ name: `tlp:${tlp}` }, ...(JSON.parse(tags) as string[]).map((name) => ({ name }))],
  };
}

/** `hashes.csv`: `md5(value),event uuid` per IOC of the collection, a page at a time (by IOC id), joined in the database. */
export async function mispHashes(
  db: Db,
  workspaceId: string,
  collection: MispCollection,
  first: number,
  after: string | null,
): Promise<{ text: string; count: number; endCursor: string | null; hasNextPage: boolean }> {
  const [afterId] = decodeCursor(after, [UUID_PATTERN]) ?? [null];
  const [row] = await preparedValues<[string | null, number, string | null]>(
    db,
    `select string_agg(line, E'\\n'), count(*)::int, (array_agg(id::text))[count(*)]
     from (select id, md5(value) || ',' || misp_event_uuid(workspace_id, source, first_seen)::text as line
           from iocs where ${OWNER_SQL[collection]} and $1::uuid is not null and ($2::uuid is null or id > $2::uuid)
           order by id limit $3::int) page`,
    [workspaceId, afterId, first],
  );
  const [text, count, last] = row ?? [null, 0, null];
  return {
    text: text ?? '',
    count,
    endCursor: last ? encodeCursor([last]) : null,
    hasNextPage: count === first,
  };
}
