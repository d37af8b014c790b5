/**
 * Block lists (docs/api.md §14): the active values of one IOC type, one per line, for firewalls,
 * proxies and DNS filters that read external lists (PAN-OS, FortiGate, pfBlockerNG). What the
 * workspace hides (judged a false positive, covered by its exclusion lists) is left out, as from
 * its listings. Read in pages of values alone, newest first, so that a list of 150,000 is streamed
 * rather than held.
 *
 * A list's version is its last change as the workspace sees it (two index reads) and the hour:
 * an IOC that expires changes no row, so a list is sent again at least every hour even when
 * nothing else moved. `ETag` and `Last-Modified` are made from it.
 */
import { createHash } from 'node:crypto';
import { decodeCursor, encodeCursor, PG_TIMESTAMP_PATTERN } from '../core/cursors.js';
import { UUID_PATTERN } from '../core/ids.js';
import type { BlocklistType } from '../core/vocabulary.js';
import type { Db } from '../db/handle.js';
import { epochMs } from '../db/time.js';
import { latestIocChange, listIocValues, type IocFilters } from '../iocs/repository.js';

/** The most values a list holds, and its default (docs/api.md §14). */
export const MAX_BLOCKLIST_VALUES = 150_000;
/** Values read per statement. */
export const BLOCKLIST_PAGE = 25_000;
const HOUR_MS = 3_600_000;

export interface BlocklistFilters {
  type: BlocklistType;
  minScore?: number | null;
  minConfidence?: number | null;
  tag?: string | null;
  source?: string | null;
  /** true: the workspace's own only; false: the shared feed's only; null: both. */
  own?: boolean | null;
}

export interface BlocklistVersion {
  /** Weak: the same for the same filters, workspace, last change and hour. */
  etag: string;
  /** The later of the last change and the hour's start, as an ISO 8601 instant (to the second). */
  lastModified: string;
}

const iocFilters = (filters: BlocklistFilters): IocFilters => ({
  type: filters.type,
  minScore: filters.minScore,
  minConfidence: filters.minConfidence,
  tag: filters.tag,
  source: filters.source,
  owner: filters.own === true ? 'own' : filters.own === false ? 'shared' : null,
  status: 'active',
});

export async function blocklistVersion(
  db: Db,
  workspaceId: string,
  filters: BlocklistFilters,
  now = Date.now(),
): Promise<BlocklistVersion> {
  const change = await latestIocChange(db, workspaceId, iocFilters(filters));
  const hour = Math.floor(now / HOUR_MS) * HOUR_MS;
  const modified = Math.max(change === null ? 0 : epochMs(change), hour);
  const hash = createHash('sha256')
    .update(JSON.stringify([workspaceId, filters, change, hour]))
    .digest('base64url')
    .slice(0, 27);
  return { etag: `W/"${hash}"`, lastModified: new Date(Math.floor(modified / 1000) * 1000).toISOString() };
}

export interface BlocklistPage {
  /** The page's values, one a line (no newline after the last); empty when none. */
  text: string;
  count: number;
  endCursor: string | null;
  hasNextPage: boolean;
}

export async function blocklistPage(
  db: Db,
  workspaceId: string,
  filters: BlocklistFilters,
  first: number,
  after: string | null,
): Promise<BlocklistPage> {
  const key = decodeCursor(after, [PG_TIMESTAMP_PATTERN, UUID_PATTERN]);
  const page = await listIocValues(
    db,
    workspaceId,
    iocFilters(filters),
    first,
    key ? { updatedAt: key[0]!, id: key[1]! } : null,
  );
  return {
    text: page.text,
    count: page.count,
    endCursor: page.last ? encodeCursor([page.last.updatedAt, page.last.id]) : null,
    // A full page may be the last: the next then reads nothing, and says so.
    hasNextPage: page.count === first,
  };
}
