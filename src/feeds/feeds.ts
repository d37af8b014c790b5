/**
 * Feeds (docs/api.md §14): what a feed is, checked when it is made or changed, and its rows. A
 * workspace's feeds are read and changed with its key (every statement names the workspace: another
 * workspace's feed is not found); the shared feed's (`workspace_id` null) by an operator, by name,
 * from the CLI. Request headers are stored sealed (src/webhooks/secrets.ts): only their names are
 * ever shown.
 */
import { and, asc, eq, isNull, sql, type SQL } from 'drizzle-orm';
import { ApiError, forbidden, invalidParameter } from '../core/errors.js';
import { normalizeText } from '../core/normalize.js';
import { PLAN_LIMITS } from '../core/plans.js';
import { FEED_FORMATS, isOneOf, type FeedFormat } from '../core/vocabulary.js';
import type { Db } from '../db/handle.js';
import { feeds, workspaces } from '../db/schema.js';
import { isoTimestamp } from '../db/time.js';
import { reachableUrl, UrlRefused, type UrlPolicy } from '../http/urlPolicy.js';
import type { SecretBox } from '../webhooks/secrets.js';

export type FeedRow = typeof feeds.$inferSelect;

/** What a pull counted: `read = created + updated + unchanged + rejected`. */
export interface PullCounts {
  read: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
}

/** What the next pull asks from (docs/api.md §14). */
export interface FeedCursor {
  etag?: string | null;
  lastModified?: string | null;
  /** TAXII: the last page's `X-TAXII-Date-Added-Last`. */
  addedAfter?: string | null;
}

/** A feed as the API shows it (snake_case, as REST and the CLI print it). */
export interface FeedJson {
  id: string;
  workspace_id: string | null;
  name: string;
  url: string;
  format: FeedFormat;
  every: string;
  header_names: string[];
  last_run_at: string | null;
  last_success_at: string | null;
  last_error: string | null;
  last_run: PullCounts | null;
  next_run_at: string;
  created_at: string;
  updated_at: string;
}

const MIN_EVERY = 15 * 60;
const MAX_EVERY = 7 * 86_400;
const DEFAULT_EVERY = 3600;
const MAX_NAME = 100;
const MAX_URL = 2048;
const MAX_HEADERS = 20;
const UNITS = { m: 60, h: 3600, d: 86_400 } as const;

/** `15m`, `1h`, `7d` as seconds (15 minutes to 7 days), or an error naming `field`. */
export function parseEvery(text: string, field = 'every'): number {
  const match = /^(\d{1,6})([mhd])$/.exec(text.trim());
  const seconds = match ? Number(match[1]) * UNITS[match[2] as keyof typeof UNITS] : NaN;
  if (!(seconds >= MIN_EVERY && seconds <= MAX_EVERY))
    throw invalidParameter(field, 'must be a duration from 15m to 7d: a number and m, h or d (e.g. 1h).');
  return seconds;
}

/** Seconds as people write them: the largest unit that divides them. */
export function writtenEvery(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  return `${Math.round(seconds / 60)}m`;
}

/** Names a request may not set: the connection's own, or what the server sends itself. */
const RESERVED_HEADERS = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'te',
  'upgrade',
  'keep-alive',
  'proxy-connection',
  'accept-encoding',
  'if-none-match',
  'if-modified-since',
]);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;

/** Headers checked: HTTP names, one line of at most 4,096 characters each. */
export function checkHeaders(headers: Record<string, unknown>, field = 'headers'): Record<string, string> {
  const entries = Object.entries(headers);
  if (entries.length > MAX_HEADERS) throw invalidParameter(field, `may hold at most ${MAX_HEADERS} headers.`);
  const checked: Record<string, string> = {};
  for (const [name, value] of entries) {
    if (!TOKEN.test(name)) throw invalidParameter(`${field}.${name.slice(0, 100)}`, 'is not an HTTP header name.');
    if (RESERVED_HEADERS.has(name.toLowerCase()))
      throw invalidParameter(`${field}.${name}`, 'is set by the server itself and cannot be given.');
    if (typeof value !== 'string' || value.length > 4096 || /[\r\n\0]/.test(value))
      throw invalidParameter(`${field}.${name}`, 'must be one line of text of at most 4,096 characters.');
    checked[name] = value;
  }
  return checked;
}

/** `Name: value` as the CLI's `--header` takes it. */
export function parseHeaderLine(line: string): [string, string] {
  const colon = line.indexOf(':');
  if (colon <= 0) throw invalidParameter('header', `${JSON.stringify(line.slice(0, 100))} is not "Name: value".`);
  return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
}

export function feedName(input: unknown): string {
  const name = typeof input === 'string' ? normalizeText(input, MAX_NAME) : null;
  if (name === null) throw invalidParameter('name', `must be 1 to ${MAX_NAME} characters of text.`);
  return name;
}

export function feedFormat(input: unknown): FeedFormat {
  if (typeof input !== 'string' || !isOneOf(FEED_FORMATS, input))
    throw invalidParameter('format', `must be one of ${FEED_FORMATS.join(', ')}.`);
  return input;
}

/**
 * The URL checked: its form always; for a workspace's feed (`policy` given) the URL policy too,
 * its host resolved and every address allowed (docs/api.md §10), as before every pull.
 */
export async function feedUrl(input: unknown, policy: UrlPolicy | null): Promise<string> {
  if (typeof input !== 'string' || input.length === 0 || input.length > MAX_URL)
    throw invalidParameter('url', `must be a URL of at most ${MAX_URL} characters.`);
  try {
    if (policy) {
      return (await reachableUrl(input, policy)).url.toString();
    }
    const url = new URL(input);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UrlRefused('must be an http or https URL.');
    return url.toString();
  } catch (error) {
    if (error instanceof UrlRefused) throw invalidParameter('url', error.message);
    if (error instanceof TypeError) throw invalidParameter('url', 'is not a URL.');
    throw error;
  }
}

export function feedJson(row: FeedRow): FeedJson {
  const time = (value: string | null) => (value === null ? null : isoTimestamp(value));
  return {
    id: row.id,
    workspace_id: row.workspaceId,
    name: row.name,
    url: row.url,
    format: row.format,
    every: writtenEvery(row.everySeconds),
    header_names: row.headerNames,
    last_run_at: time(row.lastRunAt),
    last_success_at: time(row.lastSuccessAt),
    last_error: row.lastError,
    last_run: (row.lastRun as PullCounts | null) ?? null,
    next_run_at: isoTimestamp(row.nextRunAt),
    created_at: isoTimestamp(row.createdAt),
    updated_at: isoTimestamp(row.updatedAt),
  };
}

const ofWorkspace = (workspaceId: string | null): SQL =>
  workspaceId === null ? isNull(feeds.workspaceId) : eq(feeds.workspaceId, workspaceId);

/** The feeds of a workspace (or the shared feed's, `null`), by name. */
export function listFeeds(db: Db, workspaceId: string | null): Promise<FeedRow[]> {
  return db.select().from(feeds).where(ofWorkspace(workspaceId)).orderBy(asc(feeds.name), asc(feeds.id));
}

export async function findFeed(db: Db, workspaceId: string | null, id: string): Promise<FeedRow | undefined> {
  const [row] = await db
    .select()
    .from(feeds)
    .where(and(ofWorkspace(workspaceId), eq(feeds.id, id)));
  return row;
}

export async function findFeedByName(db: Db, workspaceId: string | null, name: string): Promise<FeedRow | undefined> {
  const [row] = await db
    .select()
    .from(feeds)
    .where(and(ofWorkspace(workspaceId), eq(feeds.name, name)));
  return row;
}

export interface FeedInput {
  name: string;
  url: string;
  format: string;
  every?: string | null;
  headers?: Record<string, unknown> | null;
}

const notFound = () => new ApiError('not_found', 'No feed with this id in the workspace.');
const nameTaken = (name: string) =>
  invalidParameter('name', `a feed named ${JSON.stringify(name)} exists already; names are unique.`);

function sealedHeaders(headers: Record<string, string>, secrets: SecretBox) {
  const names = Object.keys(headers);
  return { headers: names.length ? secrets.seal(JSON.stringify(headers)) : null, headerNames: names };
}

/**
 * Makes a feed, due at once. A workspace's (not `trusted`) obeys the URL policy and its plan's
 * number of feeds, counted under a lock of the workspace's row.
 */
export async function createFeed(
  db: Db,
  workspaceId: string | null,
  input: FeedInput,
  context: { policy: UrlPolicy; secrets: SecretBox; trusted: boolean },
): Promise<FeedRow> {
  const name = feedName(input.name);
  const format = feedFormat(input.format);
  const everySeconds = input.every == null ? DEFAULT_EVERY : parseEvery(input.every);
  const headers = checkHeaders(input.headers ?? {});
  const url = await feedUrl(input.url, context.trusted ? null : context.policy);
  return db.transaction(async (tx) => {
    if (workspaceId !== null) {
      const [workspace] = await tx
        .select({ plan: workspaces.plan })
        .from(workspaces)
        .where(eq(workspaces.id, workspaceId))
        .for('update');
      if (!workspace) throw new ApiError('not_found', 'No workspace with this id.');
      const [{ count } = { count: 0 }] = await tx
        .select({ count: sql<number>`count(*)::int` })
        .from(feeds)
        .where(eq(feeds.workspaceId, workspaceId));
      const limit = PLAN_LIMITS[workspace.plan].feeds;
      if (count >= limit && !context.trusted)
        throw forbidden(`the ${workspace.plan} plan allows ${limit} feeds per workspace; delete one first.`, {
          reason: 'limit',
        });
    }
    const [row] = await tx
      .insert(feeds)
      .values({
        workspaceId,
        name,
        url,
        format,
        everySeconds,
        trusted: context.trusted,
        ...sealedHeaders(headers, context.secrets),
      })
      .onConflictDoNothing()
      .returning();
    if (!row) throw nameTaken(name);
    return row;
  });
}

/**
 * Changes a feed's name, URL, format, schedule or headers (`headers` replaces them all). A new URL
 * or format starts again from nothing (the validators and cursor of the old one mean nothing to
 * it); a new URL given with a key obeys the URL policy from then on.
 */
export async function updateFeed(
  db: Db,
  workspaceId: string | null,
  id: string,
  input: { [K in keyof FeedInput]?: FeedInput[K] | null },
  context: { policy: UrlPolicy; secrets: SecretBox; trusted: boolean },
): Promise<FeedRow> {
  const current = await findFeed(db, workspaceId, id);
  if (!current) throw notFound();
  const changes: Partial<typeof feeds.$inferInsert> = {};
  if (input.name != null) changes.name = feedName(input.name);
  if (input.format != null) changes.format = feedFormat(input.format);
  if (input.every != null) changes.everySeconds = parseEvery(input.every);
  if (input.headers != null) Object.assign(changes, sealedHeaders(checkHeaders(input.headers), context.secrets));
  if (input.url != null) {
    changes.url = await feedUrl(input.url, context.trusted ? null : context.policy);
    changes.trusted = context.trusted;
  }
  if (
    (changes.url !== undefined && changes.url !== current.url) ||
    (changes.format !== undefined && changes.format !== current.format)
  ) {
    changes.cursor = {};
    changes.nextRunAt = sql`now()` as unknown as string;
  }
  try {
    const [row] = await db
      .update(feeds)
      .set({ ...changes, updatedAt: sql`now()` })
      .where(and(ofWorkspace(workspaceId), eq(feeds.id, id)))
      .returning();
    if (!row) throw notFound();
    return row;
  } catch (error) {
    if ((error as { code?: string }).code === '23505') throw nameTaken(changes.name ?? current.name);
    throw error;
  }
}

export async function deleteFeed(db: Db, workspaceId: string | null, id: string): Promise<void> {
  const deleted = await db
    .delete(feeds)
    .where(and(ofWorkspace(workspaceId), eq(feeds.id, id)))
    .returning({ id: feeds.id });
  if (deleted.length === 0) throw notFound();
}

/** Makes the feed due now (`Run now`); the pull is queued, done by whichever process claims it first. */
export async function queueFeedRun(db: Db, workspaceId: string | null, id: string): Promise<FeedRow> {
  const [row] = await db
    .update(feeds)
    .set({ nextRunAt: sql`now()`, updatedAt: sql`now()` })
    .where(and(ofWorkspace(workspaceId), eq(feeds.id, id)))
    .returning();
  if (!row) throw notFound();
  return row;
}

/** The feed's request headers, opened. */
export function feedHeaders(row: Pick<FeedRow, 'headers'>, secrets: SecretBox): Record<string, string> {
  return row.headers ? (JSON.parse(secrets.open(row.headers)) as Record<string, string>) : {};
}
