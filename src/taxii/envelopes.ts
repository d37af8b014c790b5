/**
 * The pages of a TAXII collection (docs/api.md §11): its IOCs in `date_added` order (their last change),
 * read by keyset from the position a `next` names, never by offset, so a `next` stays valid while
 * rows are added, and works together with the `added_after` it was made with.
 */
import type { Principal } from '../auth/principal.js';
import type { Db } from '../db/handle.js';
import { epochMs, taxiiTimestamp } from '../db/time.js';
import { DATE_EXAMPLE, parseDateInput } from '../core/dates.js';
import { invalidParameter } from '../core/errors.js';
import { decodeCursor, encodeCursor, PG_TIMESTAMP_PATTERN } from '../core/cursors.js';
import { UUID_PATTERN } from '../core/ids.js';
import { listIocsByChange, type IocRow } from '../iocs/repository.js';
import { restIoc } from '../iocs/record.js';
import { indicatorId, indicatorOf, sightingOf, workspaceIdentity } from '../iocs/stix.js';
import { listSightingsByChange, type SightingRow } from '../iocs/sightings.js';
import type { TaxiiCollection } from './collections.js';

export const DEFAULT_LIMIT = 100;
/** A larger `limit` is clamped to this, as TAXII allows a server to. */
export const MAX_LIMIT = 1000;

/** The filters of objects, manifest, an object and its versions, as a request gives them. */
export interface PageArgs {
  addedAfter?: string | null;
  limit?: number | null;
  next?: string | null;
  /** Each value may hold several, comma-separated, as TAXII writes them. */
  matchType?: readonly string[] | null;
  matchId?: readonly string[] | null;
  matchVersion?: readonly string[] | null;
  matchSpecVersion?: readonly string[] | null;
}

/**
 * One object of a page: an IOC's indicator, or (in the workspace's own collection) what the
 * workspace reported of one IOC, as a STIX sighting.
 */
export type PageItem = { kind: 'indicator'; row: IocRow } | { kind: 'sighting'; row: SightingRow };

/** One page: its objects in order, whether more follow, and where to go on from. */
export interface Page {
  items: PageItem[];
  more: boolean;
  next: string | null;
  /** The caller's identity, for the indicators of its own IOCs (`created_by_ref`). */
  owner: { id: string };
}

/** STIX identifiers as the OASIS schemas define them (common/identifier.json). */
const STIX_ID =
  /^([a-z][a-z0-9-]+[a-z0-9])--([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12})$/;

const values = (list: readonly string[] | null | undefined): string[] | null =>
  list
    ? list
        .flatMap((value) => value.split(','))
        .map((value) => value.trim())
        .filter(Boolean)
    : null;

/** The type and UUID of a STIX id; `invalid_parameter` when it is no STIX id. */
export function stixIdParts(stixId: string, parameter: string): { type: string; uuid: string } {
  const match = STIX_ID.exec(stixId);
  if (!match)
    throw invalidParameter(parameter, `${JSON.stringify(stixId.slice(0, 100))} is not a STIX identifier (type--UUID).`);
  return { type: match[1]!, uuid: match[2]!.toLowerCase() };
}

/** The kinds of object a collection serves: indicators, and in a workspace's own collection its sightings. */
export const kindsOf = (collection: TaxiiCollection): readonly PageItem['kind'][] =>
  collection.holds === 'own' ? ['indicator', 'sighting'] : ['indicator'];

/**
 * Reads one page. Each object has one STIX version (its `modified`), so `match[version]` `first`,
 * `last` and `all` all select it, and a timestamp selects it when equal. In the workspace's own
 * collection the indicators and the sightings are read from the same position, each along its
 * index, and merged by (`date_added`, UUID).
 */
export async function readPage(
  db: Db,
  caller: Principal,
  collection: TaxiiCollection,
  args: PageArgs,
  settleMs: number,
): Promise<Page> {
  const owner = workspaceIdentity(caller.workspace);
  const limit = args.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) throw invalidParameter('limit', 'must be a whole number of 1 or more.');
  const after = decodeCursor(args.next, [PG_TIMESTAMP_PATTERN, UUID_PATTERN], 'next');

  const types = values(args.matchType);
  const specVersions = values(args.matchSpecVersion);
  const ids = values(args.matchId)?.map((id) => stixIdParts(id, 'matchId'));
  const versions = values(args.matchVersion);
  const instants = versions?.some((v) => v === 'first' || v === 'last' || v === 'all')
    ? null
    : versions?.map((v) => parseDateInput(v) ?? failVersion(v));
  const uuidsOf = (kind: PageItem['kind']) => ids?.filter((id) => id.type === kind).map((id) => id.uuid) ?? null;
  const wanted = (kind: PageItem['kind']) =>
    kindsOf(collection).includes(kind) &&
    (types === null || types.includes(kind)) &&
    (specVersions === null || specVersions.includes('2.1')) &&
    (ids === undefined || uuidsOf(kind)!.length > 0);

  const take = Math.min(limit, MAX_LIMIT) + 1;
  const position = after ? { updatedAt: after[0]!, id: after[1]! } : null;
  const [indicators, sightings] = await Promise.all([
    wanted('indicator')
      ? listIocsByChange(db, {
          collection: collection.holds,
          workspaceId: caller.workspace.id,
          after: position,
          changedAfter: args.addedAfter ?? null,
          indicatorUuids: uuidsOf('indicator'),
          changedAt: instants ?? null,
          settleMs,
          limit: take,
          withdrawHidden: true,
        })
      : [],
    wanted('sighting')
      ? listSightingsByChange(db, {
          workspaceId: caller.workspace.id,
          after: position,
          changedAfter: args.addedAfter ?? null,
          uuids: uuidsOf('sighting'),
          changedAt: instants ?? null,
          settleMs,
          limit: take,
        })
      : [],
  ]);
  const items = merged(
    indicators.map((row): PageItem => ({ kind: 'indicator', row })),
    sightings.map((row): PageItem => ({ kind: 'sighting', row })),
  ).slice(0, take);
  const more = items.length > take - 1;
  if (more) items.pop();
  const last = items.at(-1);
  return { items, more, next: more && last ? encodeCursor([last.row.updatedAt, idOf(last)]) : null, owner };
}

/** The UUID that orders an item after its `date_added`: the IOC's id, or the sighting's. */
const idOf = (item: PageItem) => (item.kind === 'indicator' ? item.row.id : item.row.uuid);

/** Two lists, each in (date_added, UUID) order, as one in that order (both orders are PostgreSQL's). */
function merged(a: PageItem[], b: PageItem[]): PageItem[] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const key = (item: PageItem): [number, string] => [epochMs(item.row.updatedAt), idOf(item)];
  const before = (x: PageItem, y: PageItem) => {
    const [tx, ix] = key(x);
    const [ty, iy] = key(y);
    return tx < ty || (tx === ty && ix < iy);
  };
  const out: PageItem[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push(before(a[i]!, b[j]!) ? a[i++]! : b[j++]!);
  return out.concat(a.slice(i), b.slice(j));
}

function failVersion(value: string): never {
  throw invalidParameter(
    'matchVersion',
    `${JSON.stringify(value.slice(0, 100))} is not first, last, all or a timestamp such as ${DATE_EXAMPLE}.`,
  );
}

/** A page's STIX objects: the export's indicators (src/iocs/stix.ts), one code path for both, and sightings. */
export const objectsOf = (page: Page) =>
  page.items.map((item) =>
    item.kind === 'indicator' ? indicatorOf(restIoc(item.row), page.owner) : sightingOf(item.row, page.owner),
  );

/** When the object was added to the collection as TAXII says it: its last change. */
export const dateAdded = (item: PageItem) => taxiiTimestamp(item.row.updatedAt);

/** The object's STIX id. */
export const stixIdOf = (item: PageItem) =>
  item.kind === 'indicator' ? indicatorId(item.row.id) : `sighting--${item.row.uuid}`;
