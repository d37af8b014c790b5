/**
 * The pages of a TAXII collection (docs/api.md §11): its IOCs in `date_added` order (their last change),
 * read by keyset from the position a `next` names, never by offset, so a `next` stays valid while
 * rows are added, and works together with the `added_after` it was made with.
 */
import type { Principal } from '../auth/principal.js';
import type { Db } from '../db/handle.js';
import { taxiiTimestamp } from '../db/time.js';
import { DATE_EXAMPLE, parseDateInput } from '../core/dates.js';
import { invalidParameter } from '../core/errors.js';
import { decodeCursor, encodeCursor, PG_TIMESTAMP_PATTERN } from '../core/cursors.js';
import { UUID_PATTERN } from '../core/ids.js';
import { listIocsByChange, type IocRow } from '../iocs/repository.js';
import { restIoc } from '../iocs/record.js';
import { indicatorOf, workspaceIdentity } from '../iocs/stix.js';
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

/** One page: its IOCs in order, whether more follow, and where to go on from. */
export interface Page {
  rows: IocRow[];
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

/** The UUID of an indicator's STIX id, null for another object's; `invalid_parameter` when it is no STIX id. */
export function uuidOfIndicatorId(stixId: string, parameter: string): string | null {
  const match = STIX_ID.exec(stixId);
  if (!match)
    throw invalidParameter(parameter, `${JSON.stringify(stixId.slice(0, 100))} is not a STIX identifier (type--UUID).`);
  return match[1] === 'indicator' ? match[2]!.toLowerCase() : null;
}

/**
 * Reads one page. The collection holds indicators of one STIX version each (their `modified`), so
 * `match[version]` `first`, `last` and `all` all select it, and a timestamp selects it when equal.
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
  const ids = values(args.matchId)?.map((id) => uuidOfIndicatorId(id, 'matchId'));
  const versions = values(args.matchVersion);
  const instants = versions?.some((v) => v === 'first' || v === 'last' || v === 'all')
    ? null
    : versions?.map((v) => parseDateInput(v) ?? failVersion(v));
  const none =
    (types !== null && !types.includes('indicator')) ||
    (specVersions !== null && !specVersions.includes('2.1')) ||
    (ids !== undefined && !ids.some((id) => id !== null));
  if (none) return { rows: [], more: false, next: null, owner };

  const rows = await listIocsByChange(db, {
    collection: collection.holds,
    workspaceId: caller.workspace.id,
    after: after ? { updatedAt: after[0]!, id: after[1]! } : null,
    changedAfter: args.addedAfter ?? null,
    indicatorUuids: ids ? ids.filter((id): id is string => id !== null) : null,
    changedAt: instants ?? null,
    settleMs,
    limit: Math.min(limit, MAX_LIMIT) + 1,
    withdrawHidden: true,
  });
  const more = rows.length > Math.min(limit, MAX_LIMIT);
  if (more) rows.pop();
  const last = rows.at(-1);
  return { rows, more, next: more && last ? encodeCursor([last.updatedAt, last.id]) : null, owner };
}

function failVersion(value: string): never {
  throw invalidParameter(
    'matchVersion',
    `${JSON.stringify(value.slice(0, 100))} is not first, last, all or a timestamp such as ${DATE_EXAMPLE}.`,
  );
}

/** A page's STIX objects: the export's indicators (src/iocs/stix.ts), one code path for both. */
export const objectsOf = (page: Page) => page.rows.map((row) => indicatorOf(restIoc(row), page.owner));

/** When the IOC was added to the collection as TAXII says it: its last change. */
export const dateAdded = (row: IocRow) => taxiiTimestamp(row.updatedAt);
