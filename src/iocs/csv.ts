/**
 * IOCs as CSV (docs/api.md §8): a header line, `type` and `value` required, the other columns optional,
 * tags separated by `;`. The columns are the IOC record's (src/iocs/record.ts). Exports carry every column (plus `id`, `created_at`, `updated_at`, which
 * an import ignores, and `shared`, which keeps a workspace's own IOCs out of the shared feed), so an
 * export can be imported elsewhere as it is.
 */
import { stringify } from 'csv-stringify/sync';
import { CSV_COLUMNS, type RestIoc } from './record.js';

export { CSV_COLUMNS };

/**
 * A spreadsheet runs a cell that starts with one of these as a formula (CSV injection): an IOC
 * value such as `=HYPERLINK(…)` from a hostile feed must arrive as text (docs/api.md §12).
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

function cell(ioc: RestIoc, column: string): string | number {
  const value = ioc[column as keyof RestIoc];
  if (Array.isArray(value)) return value.join(';');
  if (typeof value === 'boolean') return String(value);
  // Objects are not CSV columns (src/iocs/record.ts, `csv: false`).
  if (typeof value === 'object' && value !== null) return '';
  return value ?? '';
}

/** The document as text, page by page (RFC 4180 quoting by csv-stringify). */
export async function* csvDocument(pages: AsyncIterable<RestIoc[]>): AsyncGenerator<string> {
  yield stringify([CSV_COLUMNS]);
  for await (const page of pages) {
    if (page.length === 0) continue;
    yield stringify(page.map((ioc) => CSV_COLUMNS.map((column) => neutraliseCell(cell(ioc, column)))));
  }
}
