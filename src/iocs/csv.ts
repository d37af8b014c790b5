/**
 * IOCs as CSV (API.md §8): a header line, `type` and `value` required, the other columns optional,
 * tags separated by `;`. Exports carry every column (plus `id`, `created_at`, `updated_at`, which
 * an import ignores, and `shared`, which keeps a workspace's own IOCs out of the shared feed), so an
 * export can be imported elsewhere as it is.
 */
import { stringify } from 'csv-stringify/sync';
import type { RestIoc } from './stix.js';

export const CSV_COLUMNS = [
  'id',
  'type',
  'value',
  'threat_type',
  'malware_family',
  'confidence',
  'severity',
  'tlp',
  'tags',
  'source',
  'first_seen',
  'last_seen',
  'created_at',
  'updated_at',
  'shared',
] as const;

/**
 * A spreadsheet runs a cell that starts with one of these as a formula (CSV injection): an IOC
 * value such as `=HYPERLINK(…)` from a hostile feed must arrive as text (API.md §12).
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/** Text cells that a spreadsheet would run get a `'` in front; numbers stay as they are. */
export function neutraliseCell(value: string | number): string | number {
  return typeof value === 'string' && FORMULA_START.test(value) ? `'${value}` : value;
}

/** What `neutraliseCell` added is taken away again on import, so that an export imports back unchanged. */
export function restoreCell(value: string): string {
  return value.startsWith("'") && FORMULA_START.test(value.slice(1)) ? value.slice(1) : value;
}

function cell(ioc: RestIoc, column: (typeof CSV_COLUMNS)[number]): string | number {
  if (column === 'tags') return ioc.tags.join(';');
  if (column === 'shared') return String(ioc.shared);
  return ioc[column] ?? '';
}

/** The document as text, page by page (RFC 4180 quoting by csv-stringify). */
export async function* csvDocument(pages: AsyncIterable<RestIoc[]>): AsyncGenerator<string> {
  yield stringify([CSV_COLUMNS]);
  for await (const page of pages) {
    if (page.length === 0) continue;
    yield stringify(page.map((ioc) => CSV_COLUMNS.map((column) => neutraliseCell(cell(ioc, column)))));
  }
}
