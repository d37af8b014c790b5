/**
 * The command line's `export` (issue: the first hour): the same STIX bundle or CSV as
 * `GET /api/v1/iocs/export`, read page by page from the table and written to a file, for an
 * operator with database access and no key (the shared feed, or a workspace's view of it).
 */
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Db } from '../db/handle.js';
import { csvDocument } from './csv.js';
import { listIocs, type IocFilters } from './repository.js';
import { restIoc, type RestIoc } from './record.js';
import { stixBundle } from './stix.js';
import { MAX_PAGE_SIZE } from '../graphql/connections.js';

/** No workspace has this id: listing under it gives the shared feed alone. */
const NO_WORKSPACE = '00000000-0000-0000-0000-000000000000';
/** IOCs per query while exporting, over HTTP or from the command line: the listing's largest page. */
export const EXPORT_PAGE_SIZE = MAX_PAGE_SIZE;
const PAGE = EXPORT_PAGE_SIZE;

async function* pages(
  db: Db,
  workspaceId: string | null,
  filters: IocFilters,
  counted: { iocs: number },
): AsyncGenerator<RestIoc[]> {
  let after: { updatedAt: string; id: string } | null = null;
  for (;;) {
    const rows = await listIocs(db, workspaceId ?? NO_WORKSPACE, filters, PAGE, after);
    counted.iocs += rows.length;
    yield rows.map(restIoc);
    const last = rows.at(-1);
    if (!last || rows.length < PAGE) return;
    after = { updatedAt: last.updatedAt, id: last.id };
  }
}

export async function exportIocs(
  db: Db,
  file: string,
  options: { format: 'stix' | 'csv'; workspace: { id: string; name: string } | null; filters: IocFilters },
): Promise<{ iocs: number }> {
  const counted = { iocs: 0 };
  const source = pages(db, options.workspace?.id ?? null, options.filters, counted);
  const owner = options.workspace ?? { id: NO_WORKSPACE, name: 'Shared feed' };
  const document = options.format === 'csv' ? csvDocument(source) : stixBundle(source, owner);
  await pipeline(Readable.from(document), createWriteStream(file));
  return counted;
}
