/**
 * Imports IOCs from CSV or STIX 2.1 (docs/api.md §8; the CLI's `import`). Every row or object is
 * checked and normalised on its own: a malformed one is reported (with its line, or the STIX
 * object's id) and skipped, the others are upserted by (type, value) in batches, one statement
 * each. Nothing already stored is lost: a row only adds to what it matches (earliest `first_seen`,
 * latest `last_seen`, given fields replace stored ones).
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/handle.js';
import { IOC_TYPES, normalizeIocValue } from '../core/normalize.js';
import { isOneOf } from '../core/vocabulary.js';
import { restoreCell } from './csv.js';
import {
  isGiven,
  INPUT_FIELDS,
  inputOf,
  IOC_FIELDS,
  mergeUpserts,
  snakeName,
  upsertOf,
  type IocUpsert,
  type RawIoc,
} from './record.js';
import { upsertIocs } from './repository.js';
import { coveredBySharedLists } from './sharedExclusions.js';
import { iocsOfStixObject, ownersOf, type StixIoc } from './stix.js';

export type ImportFormat = 'csv' | 'stix';

export interface ImportError {
  line?: number;
  object?: string;
  reason: string;
}

export interface ImportReport {
  created: number;
  updated: number;
  rejected: number;
  /** Records read: rows, IOCs of STIX objects, and those refused (comment lines are not records). */
  read: number;
  /** Records that changed nothing stored (`read = created + updated + unchanged + rejected`). */
  unchanged: number;
  errors: ImportError[];
  /** True when there were more errors than the report lists. */
  errors_truncated: boolean;
}

export interface ImportOptions {
  format: ImportFormat;
  /** Into this workspace's own IOCs; null for the shared feed. */
  workspaceId: string | null;
  /** Told how far the import is, in `unit`s of `total`. */
  onProgress?: (done: number, total: number) => void;
}

export interface ImporterOptions {
  /** Every row's `source` (a feed's name); `unlessGiven`: only where the row names none. */
  source?: { name: string; unlessGiven: boolean };
  /** Records read at most; the next one throws `RecordLimit`. */
  maxRecords?: number;
}

/** More records than the importer takes. */
export class RecordLimit extends Error {}

/** Rows per upsert statement: large enough to amortise the round trip, small enough to stay quick. */
const BATCH = 5000;
/**
 * Batches written at once: two upserts keep both of a small server's cores busy in the database
 * while this process parses (docs/performance.md); an import holds a connection for each.
 */
const LANES = 2;

/** The rows of one write lane: the batch being filled, where each row was first met, the write in flight. */
class Lane {
  batch = new Map<string, IocUpsert>();
  /** Where each IOC of the batch was first met, to report it if an exclusion list refuses it. */
  places = new Map<string, { line?: number; object?: string }>();
  writing: Promise<void> = Promise.resolve();
}

/** The lane of a row's key (FNV-1a): the same key, the same lane, for the whole import. */
function laneOf(key: string, lanes: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % lanes;
}

/** A report lists this many errors at most (a wrong file could otherwise hold millions). */
export const MAX_LISTED_ERRORS = 1000;

/** Checks, merges and writes IOCs in batches, keeping the report; one per import or TAXII envelope. */
export class Importer {
  readonly report: ImportReport = {
    created: 0,
    updated: 0,
    rejected: 0,
    read: 0,
    unchanged: 0,
    errors: [],
    errors_truncated: false,
  };
  private readonly lanes: Lane[];

  constructor(
    private readonly db: Db,
    private readonly workspaceId: string | null,
    /** Rows per statement; `Infinity` writes everything in one statement at `finish` (all or nothing). */
    private readonly batchRows = BATCH,
    private readonly options: ImporterOptions = {},
  ) {
    this.lanes = Array.from({ length: Number.isFinite(batchRows) ? LANES : 1 }, () => new Lane());
  }

  /** A record refused before it could be added: read, and rejected. */
  reject(where: { line?: number; object?: string }, reason: string): void {
    this.count();
    this.refuse(where, reason);
  }

  /** One more record read; past `maxRecords`, the reading stops. */
  private count(): void {
    if (this.report.read >= (this.options.maxRecords ?? Infinity))
      throw new RecordLimit(
        `stopped after ${this.options.maxRecords!.toLocaleString('en')} records, the most one pull reads on this plan`,
      );
    this.report.read++;
  }

  private refuse(where: { line?: number; object?: string }, reason: string): void {
    this.report.rejected++;
    if (this.report.errors.length < MAX_LISTED_ERRORS) this.report.errors.push({ ...where, reason });
    else this.report.errors_truncated = true;
  }

  /**
   * Adds one row to the batch; the reason it was refused (and reported), or null. `raw` is the
   * reader's, made for this call: the feed's source name is set on it in place (a copy of every
   * row was a tenth of a feed pull's time in the importer).
   */
  async add(raw: RawIoc, where: { line?: number; object?: string }): Promise<string | null> {
    this.count();
    const source = this.options.source;
    if (source && !(source.unlessGiven && isGiven(raw.source))) raw.source = source.name;
    const refused = this.keepApart(raw.shared) ?? checkIoc(raw);
    if (typeof refused === 'string') {
      this.refuse(where, refused);
      return refused;
    }
    const checked = refused;
    const key = `${checked.type} ${checked.value}`;
    const lane = this.lanes.length === 1 ? this.lanes[0]! : this.lanes[laneOf(key, this.lanes.length)]!;
    const earlier = lane.batch.get(key);
    lane.batch.set(key, earlier ? mergeUpserts(earlier, checked) : checked);
    if (!earlier) lane.places.set(key, where);
    if (lane.batch.size >= this.batchRows) await this.flushLane(lane);
    return null;
  }

  /**
   * A workspace's own IOC never lands in the shared feed, nor a feed IOC among a workspace's own
   * (issue: the first hour): an export made with a workspace key says which is which.
   */
  private keepApart(shared: string | boolean | undefined): string | null {
    if (shared === undefined || shared === '') return null;
    const value = shared === true || shared === 'true' ? true : shared === false || shared === 'false' ? false : null;
    if (value === null) return 'shared must be true or false';
    if (!value && this.workspaceId === null)
      return "a workspace's own IOC (shared false): import it into its workspace with --workspace <id>";
    if (value && this.workspaceId !== null)
      return 'an IOC of the shared feed (shared true): import it without --workspace, or leave out the shared column to import every row into the workspace';
    return null;
  }

  /**
   * Sends a lane's batch while the next ones are read and checked: one upsert in flight a lane, so
   * that reading the file and writing the database overlap, and the database writes two batches
   * at once (on a connection each). A row always goes to the same lane (by its key), so two batches
   * in flight never hold the same row, and a row met again later meets what its earlier occurrence
   * wrote, in the file's order.
   */
  private async flushLane(lane: Lane): Promise<void> {
    await lane.writing;
    if (lane.batch.size === 0) return;
    const rows = [...lane.batch.values()];
    const places = lane.places;
    lane.batch = new Map();
    lane.places = new Map();
    lane.writing = this.write(rows, places);
    // Awaited by the lane's next flush; until then its failure must not count as unhandled.
    lane.writing.catch(() => {});
  }

  private async write(rows: IocUpsert[], places: Map<string, { line?: number; object?: string }>): Promise<void> {
    if (this.workspaceId === null) {
      // The shared feed's exclusion lists refuse what they cover, naming the list (docs/api.md §13).
      const covered = await coveredBySharedLists(this.db, rows);
      if (covered.size > 0) {
        for (const [i, list] of covered)
          this.refuse(places.get(`${rows[i]!.type} ${rows[i]!.value}`) ?? {}, `on exclusion list ${list}`);
        rows = rows.filter((_, i) => !covered.has(i));
      }
    }
    const { created, updated } = await upsertIocs(this.db, this.workspaceId, rows);
    this.report.created += created;
    this.report.updated += updated;
  }

  /** Writes what is left and waits for every lane's last batch; the first failure, if any, is thrown. */
  async finish(): Promise<void> {
    const outcomes = await Promise.allSettled(this.lanes.map((lane) => this.flushLane(lane).then(() => lane.writing)));
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    // The lanes report what exclusion lists refused as their batches are written: in the file's order again.
    this.report.errors.sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER));
    const { read, created, updated, rejected } = this.report;
    this.report.unchanged = Math.max(0, read - created - updated - rejected);
  }
}

/** A row checked and normalised, or why it is refused: type and value here, each other field by its declaration (src/iocs/record.ts). */
export function checkIoc(raw: RawIoc): IocUpsert | string {
  const type = raw.type?.trim().toLowerCase();
  if (!type) return 'type is missing';
  if (!isOneOf(IOC_TYPES, type)) return `type ${JSON.stringify(raw.type)} is not one of ${IOC_TYPES.join(', ')}`;
  if (!raw.value?.trim()) return 'value is missing';
  const value = normalizeIocValue(type, raw.value);
  if (value === null) return `value ${JSON.stringify(raw.value.slice(0, 100))} is not a valid ${type}`;

  const ioc = upsertOf(type, value);
  for (const field of INPUT_FIELDS) {
    const input = raw[field];
    if (!isGiven(input)) continue;
    const parsed = inputOf(field).parse(input);
    if (parsed instanceof Error) return parsed.message;
    (ioc as Record<string, unknown>)[field] = parsed;
  }
  // A last sighting before the first is a mistake in the file: the first is the latest known.
  if (ioc.firstSeen && ioc.lastSeen && ioc.lastSeen < ioc.firstSeen) ioc.lastSeen = ioc.firstSeen;
  return ioc;
}

export async function importIocs(db: Db, file: string, options: ImportOptions): Promise<ImportReport> {
  const importer = new Importer(db, options.workspaceId);
  if (options.format === 'csv') await importCsv(importer, file, options.onProgress);
  else await importStix(importer, file, options.onProgress);
  await importer.finish();
  // Fresh statistics at once: the API must answer at full speed right after a bulk load (docs/api.md §9).
  await db.execute(sql`ANALYZE iocs`);
  return importer.report;
}

/** CSV: read as a stream, so that a file of millions of rows never sits in memory. Progress in bytes. */
async function importCsv(importer: Importer, file: string, onProgress: ImportOptions['onProgress']): Promise<void> {
  const { size } = await stat(file);
  const input = createReadStream(file);
  let read = 0;
  input.on('data', (chunk) => {
    read += chunk.length;
    onProgress?.(read, size);
  });
  await addCsvRows(importer, input);
}

/** The product's CSV (docs/api.md §8) from a stream, row by row into the importer. */
export async function addCsvRows(importer: Importer, input: Readable): Promise<void> {
  const parser = input.pipe(
    parse({
      columns: (header: string[]) => header.map((name) => name.trim().toLowerCase()),
      bom: true,
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
      skip_records_with_error: true,
    }),
  );
  input.on('error', (error) => parser.destroy(error));
  parser.on('skip', (error: Error & { lines?: number }) =>
    importer.reject({ line: error.lines }, `not valid CSV: ${error.message}`),
  );
  let checkedHeader = false;
  for await (const { record, info } of parser as AsyncIterable<{
    record: Record<string, string | undefined>;
    info: { lines: number };
  }>) {
    if (!checkedHeader) {
      checkedHeader = true;
      if (!('type' in record) || !('value' in record))
        throw new Error('the CSV header must name the columns type and value');
    }
    await importer.add(csvRow(record), { line: info.lines });
  }
}

/** Each input field's CSV column, read once: [field, column, whether its cell is a list]. */
const CSV_INPUTS = INPUT_FIELDS.map((field) => [field, snakeName(field), IOC_FIELDS[field].kind === 'tags'] as const);

/** A CSV record under the record's column names (src/iocs/record.ts); tags are separated by `;`. */
function csvRow(record: Record<string, string | undefined>): RawIoc {
  const raw: Record<string, unknown> = {
    type: record.type,
    value: record.value === undefined ? undefined : restoreCell(record.value),
    shared: record.shared,
  };
  for (const [field, column, list] of CSV_INPUTS) {
    const given = record[column];
    if (given === undefined || given.trim() === '') continue;
    // Cells an export protected from spreadsheets come back as they were (src/iocs/csv.ts).
    const cell = restoreCell(given);
    raw[field] = list ? cell.split(';') : cell;
  }
  return raw;
}

/**
 * STIX: one bundle (or a bare array of objects, or one object), read whole. Progress in objects.
 */
async function importStix(importer: Importer, file: string, onProgress: ImportOptions['onProgress']): Promise<void> {
  let document: unknown;
  try {
    document = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(`the file is not JSON: ${(error as Error).message}`);
  }
  const objects = Array.isArray(document)
    ? document
    : typeof document === 'object' && document !== null && Array.isArray((document as { objects?: unknown }).objects)
      ? (document as { objects: unknown[] }).objects
      : [document];
  await addStixObjects(importer, objects, ownersOf(objects), (index) => {
    if (index % 1000 === 0 || index === objects.length - 1) onProgress?.(index + 1, objects.length);
  });
}

/** What became of one STIX object: its IOCs kept, refused (why), or an object of a kind not read. */
export type StixOutcome = { kept: true } | { kept: false; reason: string; skipped?: true };

/**
 * STIX objects into the importer, as `import --format stix` and TAXII's POST read them: indicators
 * give an IOC for each supported comparison in their pattern, supported cyber-observables one each;
 * other objects (marking definitions, identities, relationships…) are passed over (`skipped`). An
 * object is kept when at least one of its IOCs is.
 */
export async function addStixObjects(
  importer: Importer,
  objects: readonly unknown[],
  owners: ReadonlyMap<string, boolean>,
  onObject: (index: number, outcome: StixOutcome) => void = () => {},
): Promise<void> {
  for (const [index, object] of objects.entries()) {
    const id = (object as { id?: unknown } | null)?.id;
    const where = { object: typeof id === 'string' ? id : `objects[${index}]` };
    const found = iocsOfStixObject(object, owners);
    if (found === null) {
      // Short: a status lists up to 1,000 of these (the supported kinds are in the README).
      onObject(index, {
        kept: false,
        skipped: true,
        reason: `objects of type ${String((object as { type?: unknown }).type).slice(0, 100)} are not kept`,
      });
      continue;
    }
    if (typeof found === 'string') {
      importer.reject(where, found);
      onObject(index, { kept: false, reason: found });
      continue;
    }
    let refused: string | null = null;
    let kept = false;
    for (const ioc of found) {
      const reason = await importer.add(fromStix(ioc), where);
      if (reason === null) kept = true;
      else refused ??= reason;
    }
    onObject(index, kept ? { kept: true } : { kept: false, reason: refused ?? 'nothing to keep' });
  }
}

function fromStix({ shared, tags, ...ioc }: StixIoc): RawIoc {
  return {
    ...ioc,
    ...(tags ? { tags: tags.map((tag) => tag.replaceAll(';', ',')) } : {}),
    ...(shared === undefined ? {} : { shared }),
  };
}
