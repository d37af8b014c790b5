/**
 * Imports IOCs from CSV or STIX 2.1 (API.md §8; the CLI's `import`). Every row or object is
 * checked and normalised on its own: a malformed one is reported (with its line, or the STIX
 * object's id) and skipped, the others are upserted by (type, value) in batches, one statement
 * each. Nothing already stored is lost: a row only adds to what it matches (earliest `first_seen`,
 * latest `last_seen`, given fields replace stored ones).
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { parse } from 'csv-parse';
import { sql } from 'drizzle-orm';
import { DATE_EXAMPLE, parseDateInput } from '../dates.js';
import type { Db } from '../db/handle.js';
import { IOC_TYPES, normalizeIocValue, normalizeText, type IocType } from '../normalize.js';
import { isOneOf, SEVERITIES, TLPS } from '../vocabulary.js';
import { restoreCell } from './csv.js';
import { upsertIocs, type IocUpsert } from './repository.js';
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

/** Rows per upsert statement: large enough to amortise the round trip, small enough to stay quick. */
const BATCH = 5000;
/** A report lists this many errors at most (a wrong file could otherwise hold millions). */
export const MAX_LISTED_ERRORS = 1000;

/** TLP 1.0's `white` is TLP 2.0's `clear`. */
const TLP_ALIASES: Record<string, string> = { white: 'clear' };

/** One incoming row in the import's common shape, before it is checked. */
export interface RawIoc {
  type?: string;
  value?: string;
  threatType?: string;
  malwareFamily?: string;
  confidence?: string | number;
  severity?: string;
  tlp?: string;
  tags?: string[];
  source?: string;
  firstSeen?: string;
  lastSeen?: string;
  /** Whether the row says it is from the shared feed (true) or a workspace's own (false). */
  shared?: string | boolean;
}

/** Checks, merges and writes IOCs in batches, keeping the report; one per import or TAXII envelope. */
export class Importer {
  readonly report: ImportReport = { created: 0, updated: 0, rejected: 0, errors: [], errors_truncated: false };
  private batch = new Map<string, IocUpsert>();
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly workspaceId: string | null,
    /** Rows per statement; `Infinity` writes everything in one statement at `finish` (all or nothing). */
    private readonly batchRows = BATCH,
  ) {}

  reject(where: { line?: number; object?: string }, reason: string): void {
    this.report.rejected++;
    if (this.report.errors.length < MAX_LISTED_ERRORS) this.report.errors.push({ ...where, reason });
    else this.report.errors_truncated = true;
  }

  /** Adds one row to the batch; the reason it was refused (and reported), or null. */
  async add(raw: RawIoc, where: { line?: number; object?: string }): Promise<string | null> {
    const refused = this.keepApart(raw.shared) ?? checkIoc(raw);
    if (typeof refused === 'string') {
      this.reject(where, refused);
      return refused;
    }
    const checked = refused;
    const key = `${checked.type} ${checked.value}`;
    const earlier = this.batch.get(key);
    this.batch.set(key, earlier ? merge(earlier, checked) : checked);
    if (this.batch.size >= this.batchRows) await this.flush();
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
    if (!value && this.workspaceId === null) return "a workspace's own IOC (shared false): import it into its workspace with --workspace <id>";
    if (value && this.workspaceId !== null) return 'an IOC of the shared feed (shared true): import it without --workspace, or leave out the shared column to import every row into the workspace';
    return null;
  }

  /**
   * Sends the batch while the next one is read and checked: one upsert in flight at a time, so
   * that reading the file and writing the database overlap (and two batches never race on a row).
   */
  async flush(): Promise<void> {
    await this.writing;
    if (this.batch.size === 0) return;
    const rows = [...this.batch.values()];
    this.batch = new Map();
    this.writing = upsertIocs(this.db, this.workspaceId, rows).then(({ created, updated }) => {
      this.report.created += created;
      this.report.updated += updated;
    });
    // Awaited by the next flush; until then its failure must not count as unhandled.
    this.writing.catch(() => {});
  }

  /** Waits for the last batch to be written. */
  async finish(): Promise<void> {
    await this.flush();
    await this.writing;
  }
}

/** The same IOC twice in one batch: one row, as two imports one after the other would leave it. */
export function merge(a: IocUpsert, b: IocUpsert): IocUpsert {
  const earliest = [a.firstSeen, b.firstSeen].filter((t): t is string => t !== null).sort()[0] ?? null;
  const latest = [a.lastSeen, b.lastSeen].filter((t): t is string => t !== null).sort().at(-1) ?? null;
  return {
    type: a.type,
    value: a.value,
    threatType: b.threatType ?? a.threatType,
    malwareFamily: b.malwareFamily ?? a.malwareFamily,
    confidence: b.confidence ?? a.confidence,
    severity: b.severity ?? a.severity,
    tlp: b.tlp ?? a.tlp,
    tags: b.tags ?? a.tags,
    source: b.source ?? a.source,
    firstSeen: earliest,
    lastSeen: latest,
  };
}

/** A row checked and normalised, or why it is refused. */
export function checkIoc(raw: RawIoc): IocUpsert | string {
  const type = raw.type?.trim().toLowerCase();
  if (!type) return 'type is missing';
  if (!(IOC_TYPES as readonly string[]).includes(type)) return `type ${JSON.stringify(raw.type)} is not one of ${IOC_TYPES.join(', ')}`;
  if (!raw.value?.trim()) return 'value is missing';
  const value = normalizeIocValue(type as IocType, raw.value);
  if (value === null) return `value ${JSON.stringify(raw.value.slice(0, 100))} is not a valid ${type}`;

  const text = (name: string, input: string | undefined, max: number): string | null | Error => {
    if (input === undefined || input.trim() === '') return null;
    return normalizeText(input, max) ?? new Error(`${name} must be at most ${max} characters of text`);
  };
  const threatType = text('threat_type', raw.threatType, 200);
  const malwareFamily = text('malware_family', raw.malwareFamily, 200);
  const source = text('source', raw.source, 200);
  for (const field of [threatType, malwareFamily, source]) if (field instanceof Error) return field.message;

  let confidence: number | null = null;
  if (raw.confidence !== undefined && String(raw.confidence).trim() !== '') {
    confidence = Number(raw.confidence);
    if (!Number.isInteger(confidence) || confidence < 0 || confidence > 100) return 'confidence must be a whole number from 0 to 100';
  }
  const severity = raw.severity?.trim().toLowerCase() || null;
  if (severity !== null && !isOneOf(SEVERITIES, severity)) return `severity must be one of ${SEVERITIES.join(', ')}`;
  const tlpGiven = raw.tlp?.trim().toLowerCase().replace(/^tlp:/, '') || null;
  const tlp = tlpGiven === null ? null : (TLP_ALIASES[tlpGiven] ?? tlpGiven);
  if (tlp !== null && !isOneOf(TLPS, tlp)) return `tlp must be one of ${TLPS.join(', ')}`;

  let tags: string[] | null = null;
  if (raw.tags !== undefined) {
    tags = [...new Set(raw.tags.map((tag) => tag.trim()).filter(Boolean))];
    if (tags.some((tag) => normalizeText(tag, 100) === null || tag.includes(';'))) return 'tags must be at most 100 characters each, without ;';
  }
  const time = (name: string, input: string | undefined): string | null | Error => {
    if (input === undefined || input.trim() === '') return null;
    return parseDateInput(input.trim()) ?? new Error(`${name} must be a real ISO 8601 date, years 0001 to 9999, e.g. ${DATE_EXAMPLE}`);
  };
  const firstSeen = time('first_seen', raw.firstSeen);
  const lastSeen = time('last_seen', raw.lastSeen);
  if (firstSeen instanceof Error) return firstSeen.message;
  if (lastSeen instanceof Error) return lastSeen.message;

  return {
    type: type as IocType,
    value,
    threatType: threatType as string | null,
    malwareFamily: malwareFamily as string | null,
    confidence,
    severity,
    tlp,
    tags,
    source: source as string | null,
    firstSeen,
    // A last sighting before the first is a mistake in the file: the first is the latest known.
    lastSeen: firstSeen && lastSeen && lastSeen < firstSeen ? firstSeen : lastSeen,
  };
}

export async function importIocs(db: Db, file: string, options: ImportOptions): Promise<ImportReport> {
  const importer = new Importer(db, options.workspaceId);
  if (options.format === 'csv') await importCsv(importer, file, options.onProgress);
  else await importStix(importer, file, options.onProgress);
  await importer.finish();
  // Fresh statistics at once: the API must answer at full speed right after a bulk load (API.md §9).
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
  const parser = input.pipe(
    parse({
      columns: (header: string[]) => header.map((name) => name.trim().toLowerCase()),
      bom: true,
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
      skip_records_with_error: true,
      // Cells an export protected from spreadsheets come back as they were (src/iocs/csv.ts).
      cast: (value, context) => (context.header ? value : restoreCell(value)),
    }),
  );
  parser.on('skip', (error: Error & { lines?: number }) => importer.reject({ line: error.lines }, `not valid CSV: ${error.message}`));
  let checkedHeader = false;
  for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string | undefined>; info: { lines: number } }>) {
    if (!checkedHeader) {
      checkedHeader = true;
      if (!('type' in record) || !('value' in record)) throw new Error('the CSV header must name the columns type and value');
    }
    await importer.add(
      {
        type: record.type,
        value: record.value,
        threatType: record.threat_type,
        malwareFamily: record.malware_family,
        confidence: record.confidence,
        severity: record.severity,
        tlp: record.tlp,
        ...(record.tags === undefined || record.tags.trim() === '' ? {} : { tags: record.tags.split(';') }),
        source: record.source,
        firstSeen: record.first_seen,
        lastSeen: record.last_seen,
        shared: record.shared,
      },
      { line: info.lines },
    );
  }
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
      onObject(index, { kept: false, skipped: true, reason: `objects of type ${String((object as { type?: unknown }).type).slice(0, 100)} are not kept` });
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

function fromStix(ioc: StixIoc): RawIoc {
  return {
    type: ioc.type,
    value: ioc.value,
    ...(ioc.confidence !== undefined ? { confidence: ioc.confidence } : {}),
    ...(ioc.tlp ? { tlp: ioc.tlp } : {}),
    ...(ioc.tags ? { tags: ioc.tags.map((tag) => tag.replaceAll(';', ',')) } : {}),
    ...(ioc.threatType ? { threatType: ioc.threatType } : {}),
    ...(ioc.firstSeen ? { firstSeen: ioc.firstSeen } : {}),
    ...(ioc.lastSeen ? { lastSeen: ioc.lastSeen } : {}),
    ...(ioc.shared === undefined ? {} : { shared: ioc.shared }),
  };
}
