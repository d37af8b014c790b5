/**
 * `leaks import` (docs/api.md §9): records read from one of the five formats stream through COPY into
 * a staging table and are merged into the leak tables by one set-based statement per batch. The
 * tables' identity constraints make a re-import create nothing; what they turn away is counted
 * as duplicates. A batch is one transaction: an import stopped half-way keeps its whole batches,
 * and running it again completes it.
 */
import { sql } from 'drizzle-orm';
import { credentialMatchKeys, matchedAlertsSql } from '../watchlists/matching.js';
import { bulkUuidv7 } from '../core/ids.js';
import { MAX_LISTED_ERRORS } from '../iocs/import.js';
import type { Database, StagedLoad } from '../db/client.js';
import { copyRow } from '../db/copyText.js';
import type { LeakSourceType, Severity } from '../core/vocabulary.js';
import { cardRecords, credentialRecords, type Item, type LeakFormat, type OnProgress, type Where } from './formats.js';
import { Rejected, type Card, type Credential } from './records.js';
import { COUNT_CREATED_SQL, FOLD_ROWS, foldPasswordCounts, pendingCountRows } from './passwordCounts.js';

export interface LeakImportOptions {
  format: LeakFormat;
  source: string;
  /** Required for credential formats; ignored for cards. */
  sourceType: LeakSourceType | null;
  /** The leak date of records that carry none of their own. */
  leakedAt: string | null;
  severity: Severity;
  onProgress?: OnProgress;
  /** The most a zip of stealer logs may inflate to (`LEAKS_MAX_INFLATED_BYTES`). */
  maxInflatedBytes?: number;
  /** Pending password counts past which the import folds them (`FOLD_ROWS`; fewer in tests). */
  foldRows?: number;
}

export interface LeakImportReport {
  read: number;
  created: number;
  duplicates: number;
  rejected: number;
  errors: (Where & { reason: string })[];
  alerts: number;
}

/** Rows per COPY chunk sent to the database. */
const CHUNK_ROWS = 5000;
/**
 * Rows per transaction: bounds what one failure can take back and the staging table's size, and
 * is the unit of overlap between reading and merging.
 */
const BATCH_ROWS = 100_000;

const CREDENTIAL_LOAD: Omit<StagedLoad, 'params'> = {
  createStaging: `CREATE TEMP TABLE leak_staging (
    id uuid, email text, domain text, domain_key text, username text, site text, site_key text,
    password_masked text, password_sha1 bytea, password_ntlm bytea, leaked_at timestamptz, match_keys text[]
  ) ON COMMIT DROP`,
  copy: 'COPY leak_staging (id, email, domain, domain_key, username, site, site_key, password_masked, password_sha1, password_ntlm, leaked_at, match_keys) FROM',
  // A row whose identity is already stored, or came earlier in the same batch, is skipped; the
  // rows created are matched against every watchlist in the same statement (docs/api.md §10).
  merge: `WITH created AS (
    INSERT INTO credential_leaks (id, email, domain, domain_key, username, site, site_key, password_masked, password_sha1,
      source_name, source_type, leaked_at, severity)
    SELECT id, email, domain, domain_key, username, site, site_key, password_masked, password_sha1,
      $1, $2::leak_source_type, coalesce(leaked_at, $3::timestamptz), $4::severity
    FROM leak_staging
    ON CONFLICT DO NOTHING
    RETURNING id, password_sha1
  ), ${COUNT_CREATED_SQL}, records AS (
    -- Read only when some watchlist could match (a one-time check: with no entry, no join is made).
    SELECT s.id, unnest(coalesce(s.match_keys, leak_match_keys(s.email, s.domain_key, s.site_key))) AS key
    FROM created c JOIN leak_staging s ON s.id = c.id
    WHERE EXISTS (SELECT 1 FROM watchlist_entries WHERE type IN ('domain', 'email'))
  ), alerted AS (
    ${matchedAlertsSql('records', 'credential_leak')}
  )
  SELECT (SELECT count(*) FROM created)::int AS created, (SELECT count(*) FROM alerted)::int AS alerts`,
};

const CARD_LOAD: Omit<StagedLoad, 'params'> = {
  createStaging: `CREATE TEMP TABLE card_staging (id uuid, bin text, last4 text, expiry text, brand text, leaked_at timestamptz) ON COMMIT DROP`,
  copy: 'COPY card_staging (id, bin, last4, expiry, brand, leaked_at) FROM',
  merge: `WITH created AS (
    INSERT INTO card_leaks (id, bin, last4, expiry, brand, source_name, leaked_at)
    SELECT id, bin, last4, expiry, brand, $1, coalesce(leaked_at, $2::timestamptz)
    FROM card_staging
    ON CONFLICT DO NOTHING
    RETURNING id
  ), records AS (
    -- BIN entries are 6 to 8 digits: a card matches those its BIN starts with.
    SELECT DISTINCT s.id, 'b:' || left(s.bin, n) AS key FROM created c JOIN card_staging s ON s.id = c.id, generate_series(6, 8) AS n
    WHERE EXISTS (SELECT 1 FROM watchlist_entries WHERE type = 'bin') AND n <= length(s.bin)
  ), alerted AS (
    ${matchedAlertsSql('records', 'card_leak')}
  )
  SELECT (SELECT count(*) FROM created)::int AS created, (SELECT count(*) FROM alerted)::int AS alerts`,
};

/**
 * A credential's row. Its match keys are built here while some watchlist could match (cheaper
 * than in SQL); otherwise they are left to the merge (`leak_match_keys`), which only computes them
 * if an entry appeared meanwhile.
 */
const credentialRow = (c: Credential, leakedAt: string | null, watched: boolean) =>
  copyRow([
    bulkUuidv7(),
    c.email,
    c.domain,
    c.domainKey,
    c.username,
    c.site,
    c.siteKey,
    c.passwordMasked,
    c.passwordSha1,
    c.passwordNtlm,
    leakedAt,
    watched ? credentialMatchKeys(c) : null,
  ]);

export async function importLeaks(
  database: Database,
  input: string,
  options: LeakImportOptions,
): Promise<LeakImportReport> {
  const report: LeakImportReport = { read: 0, created: 0, duplicates: 0, rejected: 0, errors: [], alerts: 0 };
  const list = (where: Where, reason: string) => {
    if (report.errors.length < MAX_LISTED_ERRORS) report.errors.push({ ...where, reason });
  };

  if (options.format === 'cards') {
    await load(
      database,
      report,
      list,
      cardRecords(input, options.onProgress),
      { ...CARD_LOAD, params: [options.source, options.leakedAt] },
      (card: Card, leakedAt) => copyRow([bulkUuidv7(), card.bin, card.last4, card.expiry, card.brand, leakedAt]),
    );
    await database.analyze('card_leaks');
  } else {
    if (!options.sourceType) throw new Error('a source type is required for credential formats');
    const params = [options.source, options.sourceType, options.leakedAt, options.severity];
    // What earlier imports left pending counts towards this one's fold, so that imports run one
    // after another with no server between them still keep the pending tables small.
    let folded = -(await pendingCountRows(database));
    const watched = async () =>
      (
        await database.rows<{ watched: boolean }>(
          sql`select exists (select 1 from watchlist_entries where type in ('domain', 'email')) as watched`,
        )
      )[0]!.watched;
    await load(
      database,
      report,
      list,
      credentialRecords(options.format, input, options.onProgress, options.maxInflatedBytes),
      { ...CREDENTIAL_LOAD, params },
      credentialRow,
      {
        watched,
        // The counts this import adds are folded in as they gather (src/dataleaks/passwordCounts.ts).
        afterMerge: async () => {
          if (report.created - folded < (options.foldRows ?? FOLD_ROWS)) return;
          folded = report.created;
          await foldPasswordCounts(database);
        },
      },
    );
    // Fresh statistics at once: the API answers at full speed right after a bulk load (docs/api.md §9).
    await database.analyze('credential_leaks');
  }
  return report;
}

/**
 * Reads every record, sending the good ones to the database batch after batch. Batches overlap:
 * while one is merged (the database's work), the next is read, parsed and copied into its own
 * staging table (this process's work), so that neither waits for the other. Merges still run one
 * after the other, in the order of the input, so that two batches never race on one identity.
 */
async function load<T>(
  database: Database,
  report: LeakImportReport,
  list: (where: Where, reason: string) => void,
  batches: AsyncGenerator<Item<T>[]>,
  staged: StagedLoad,
  row: (record: T, leakedAt: string | null, watched: boolean) => string,
  hooks: {
    /** Whether some watchlist could match this kind of record (asked once per batch). */
    watched?: () => Promise<boolean>;
    /** Run after each batch is merged, before the next one is: in the chain of merges. */
    afterMerge?: () => Promise<void>;
  } = {},
): Promise<void> {
  const { watched = () => Promise.resolve(false), afterMerge } = hooks;
  let pending: Item<T>[] = [];
  let exhausted = false;
  let merged: Promise<void> = Promise.resolve();
  while (!exhausted) {
    let rows = 0;
    const watching = await watched();
    let copied!: () => void;
    const allCopied = new Promise<void>((resolve) => (copied = resolve));
    async function* chunks(): AsyncGenerator<string> {
      try {
        let chunk = '';
        let inChunk = 0;
        while (rows < BATCH_ROWS) {
          if (pending.length === 0) {
            const next = await batches.next();
            if (next.done) {
              exhausted = true;
              break;
            }
            pending = next.value;
          }
          let taken = 0;
          for (const { where, record, leakedAt } of pending) {
            if (rows >= BATCH_ROWS) break;
            taken++;
            if (record instanceof Rejected) {
              // Line 0 is a whole file (in a zip) that could not be read: listed, but it is no record.
              if (where.line > 0) {
                report.read++;
                report.rejected++;
              }
              list(where, record.reason);
              continue;
            }
            report.read++;
            chunk += row(record, leakedAt ?? null, watching);
            rows++;
            if (++inChunk === CHUNK_ROWS) {
              yield chunk;
              chunk = '';
              inChunk = 0;
            }
          }
          pending = taken === pending.length ? [] : pending.slice(taken);
        }
        if (chunk) yield chunk;
      } catch (error) {
        exhausted = true;
        throw error;
      } finally {
        copied();
      }
    }
    const previous = merged;
    const batch = database.stage(staged, chunks(), { beforeMerge: () => previous });
    merged = batch.then(async ({ created = 0, alerts = 0 }) => {
      report.created += created;
      report.alerts += alerts;
      report.duplicates += rows - created;
      await afterMerge?.();
    });
    // Awaited below or by the next batch's merge; until then its failure is not unhandled.
    merged.catch(() => {});
    await Promise.race([allCopied, batch]);
  }
  await merged;
}
