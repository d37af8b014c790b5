/**
 * One pull of one feed (docs/api.md §14): the document (or the MISP events, or the TAXII pages)
 * fetched and read as it streams, every record through the importer, the same checks and upsert as
 * `import` (validity, exclusion lists, confidence wins, watchlist alerts). Each batch is one
 * statement, all of it or none; what tells the next pull where to start (validators, a TAXII
 * position, MISP events read) is saved only once what it covers is written. A pull stopped halfway
 * therefore reads again what it had not finished, and what it had already written counts as
 * unchanged: nothing is half-applied, nothing is doubled.
 */
import type { Readable } from 'node:stream';
import { eq, sql } from 'drizzle-orm';
import type { FeedFormat } from '../core/vocabulary.js';
import type { Db } from '../db/handle.js';
import { feedItems, feeds } from '../db/schema.js';
import type { UrlPolicy } from '../http/urlPolicy.js';
import { Importer } from '../iocs/import.js';
import { addCsvRows, addStixDocument, addTextLines, addThreatfoxEntries, addUrlhausRows } from './documents.js';
import type { FeedCursor, FeedRow, PullCounts } from './feeds.js';
import { fetchDocument, FeedError } from './fetch.js';
import type { PullContext } from './context.js';
import { pullMisp } from './misp.js';
import { pullTaxii } from './taxii.js';

export interface PullOptions {
  /** The URL policy of a workspace's feed (ignored for a trusted one). */
  policy: UrlPolicy;
  headers: Record<string, string>;
  /** Records one pull reads at most (the workspace's plan); past it the pull stops and fails. */
  maxRecords: number;
  signal?: AbortSignal;
  idleTimeoutMs?: number;
}

export interface PullResult {
  counts: PullCounts;
  /** Why the pull failed, in words for the feed's `last_error`; null when it succeeded. */
  error: string | null;
  /** A failure inside the server (the database), for the log: never shown to the feed's owner. */
  internal?: unknown;
}

/** Single documents, read as they stream. */
const DOCUMENT_READERS: Record<
  Exclude<FeedFormat, 'taxii' | 'misp'>,
  (importer: Importer, body: Readable) => Promise<void>
> = {
  stix: addStixDocument,
  csv: addCsvRows,
  urlhaus: addUrlhausRows,
  threatfox: addThreatfoxEntries,
  text: addTextLines,
};

/** Above this many new IOCs, the planner's statistics are refreshed after the pull (as after an import). */
const ANALYZE_AFTER = 10_000;

export async function pullFeed(db: Db, feed: FeedRow, options: PullOptions): Promise<PullResult> {
  const importer = new Importer(db, feed.workspaceId, undefined, {
    // A CSV row's own `source` wins over the feed's name (docs/api.md §14).
    source: { name: feed.name, unlessGiven: feed.format === 'csv' },
    maxRecords: options.maxRecords,
  });
  const cursor: FeedCursor = { ...(feed.cursor as FeedCursor) };
  const saveCursor = async () => {
    await db.update(feeds).set({ cursor }).where(eq(feeds.id, feed.id));
  };
  const context: PullContext = {
    url: feed.url,
    importer,
    cursor,
    saveCursor,
    fetch: (url, { conditional, accept }) =>
      fetchDocument({
        url,
        policy: feed.trusted ? null : options.policy,
        headers: accept ? { accept, ...options.headers } : options.headers,
        etag: conditional ? cursor.etag : null,
        lastModified: conditional ? cursor.lastModified : null,
        signal: options.signal,
        idleTimeoutMs: options.idleTimeoutMs,
      }),
    validators: (fetched) => {
      if (fetched.status !== 200) return;
      cursor.etag = fetched.etag;
      cursor.lastModified = fetched.lastModified;
    },
    items: {
      load: async () =>
        new Map(
          (
            await db
              .select({ item: feedItems.item, version: feedItems.version })
              .from(feedItems)
              .where(eq(feedItems.feedId, feed.id))
          ).map(({ item, version }) => [item, version]),
        ),
      save: async (entries) => {
        if (entries.length === 0) return;
        await db
          .insert(feedItems)
          .values(entries.map(([item, version]) => ({ feedId: feed.id, item, version })))
          .onConflictDoUpdate({ target: [feedItems.feedId, feedItems.item], set: { version: sql`excluded.version` } });
      },
    },
  };
  let error: string | null = null;
  let internal: unknown;
  try {
    if (feed.format === 'misp') await pullMisp(context);
    else if (feed.format === 'taxii') await pullTaxii(context);
    else {
      const fetched = await context.fetch(feed.url, { conditional: true });
      if (fetched.status === 200) {
        await DOCUMENT_READERS[feed.format](importer, fetched.body);
        context.validators(fetched);
      }
    }
    await importer.finish();
    await saveCursor();
  } catch (caught) {
    // What was read before the failure and already sent is written; wait for it, keep its counts.
    await importer.finish().catch(() => {});
    const reason: unknown = options.signal?.aborted ? options.signal.reason : undefined;
    if (reason instanceof FeedError) error = reason.message;
    else if (isInternal(caught)) {
      internal = caught;
      error = 'the pull failed inside the server (its log says why); it is tried again';
    } else error = describe(caught);
  }
  if (importer.report.created >= ANALYZE_AFTER) await db.execute(sql`ANALYZE iocs`);
  const { read, created, updated, rejected } = importer.report;
  return {
    // Counted here too: a pull that failed never reached the importer's `finish`.
    counts: { read, created, updated, unchanged: Math.max(0, read - created - updated - rejected), rejected },
    error,
    ...(internal === undefined ? {} : { internal }),
  };
}

/** A database's error (a SQLSTATE code) or a programming error: not the feed's fault, not for its owner to read. */
const isInternal = (error: unknown) =>
  error instanceof TypeError ||
  error instanceof RangeError ||
  (typeof (error as { code?: unknown })?.code === 'string' && /^[0-9A-Z]{5}$/.test((error as { code: string }).code));

function describe(error: unknown): string {
  if (error instanceof FeedError) return error.message;
  const message = error instanceof Error ? error.message : String(error);
  return message.length > 500 ? `${message.slice(0, 500)}…` : message;
}
