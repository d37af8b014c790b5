/**
 * Feeds pulled on their schedule (docs/api.md §14), queued in the `feeds` table itself as webhook
 * deliveries are in theirs (src/webhooks/worker.ts, which says why not a job library): every server
 * process claims due feeds with `FOR UPDATE SKIP LOCKED` and holds each for a lease it renews while
 * it pulls, so a feed is pulled by one process at a time, and one whose process died is taken by
 * another when the lease runs out. A failed pull is tried again after a backoff (1 minute, then 5,
 * 15, 60 minutes, 3 and 6 hours, never later than the feed's own schedule); the others go on.
 *
 * Fairness: a process runs a few pulls side by side, each on its own (never a round waiting for
 * its slowest); a workspace has one pull running at a time in all processes, which stops at its
 * plan's records (src/core/plans.ts) or after 30 minutes, and whose requests give up after 30 s
 * without a byte, so one tenant's huge, slow or dead feeds hold one slot for a bounded time.
 */
import { eq, inArray, sql } from 'drizzle-orm';
import type { Logger } from '../core/logger.js';
import { PLAN_LIMITS, type Plan } from '../core/plans.js';
import type { Database } from '../db/client.js';
import { wakeOnNoticeAndEvery } from '../db/wakeups.js';
import type { Db } from '../db/handle.js';
import { sqlRows } from '../db/prepared.js';
import { feeds, workspaces } from '../db/schema.js';
import type { UrlPolicy } from '../http/urlPolicy.js';
import type { SecretBox } from '../webhooks/secrets.js';
import { feedHeaders, type FeedRow } from './feeds.js';
import { FeedError } from './fetch.js';
import { pullFeed, type PullResult } from './pull.js';

export const FEED_CHANNEL = 'feed_run';
const LEASE_SECONDS = 60;
const RENEW_MS = 20_000;
const POLL_MS = 5000;
/** Pulls one process runs side by side. */
const CONCURRENCY = 4;
/** The longest a workspace's pull runs; an operator's runs to its end. */
const WORKSPACE_PULL_MINUTES = 30;
/** Seconds before trying a failed feed again, by failures in a row. */
const BACKOFF = [60, 300, 900, 3600, 10_800, 21_600] as const;

export interface FeedSettings {
  policy: UrlPolicy;
  secrets: SecretBox;
}

/** A claimed feed: its row and the lease this process holds (`locked_until` as claimed or renewed). */
interface Lease {
  feed: FeedRow;
  plan: Plan | null;
  lockedUntil: string;
}

/** Claims up to `limit` due feeds, at most one per workspace with none running. */
async function claimDue(db: Db, limit: number): Promise<Lease[]> {
  const claimed = await sqlRows<{ id: string; locked_until: string }>(
    db,
    sql`
    update feeds f set locked_until = now() + make_interval(secs => ${LEASE_SECONDS}), last_run_at = now()
    where f.id in (
      select d.id from (
        select c.id, c.workspace_id, c.next_run_at,
          row_number() over (partition by c.workspace_id order by c.next_run_at, c.id) as turn
        from (
          select id, workspace_id, next_run_at from feeds
          where next_run_at <= now() and (locked_until is null or locked_until < now())
          order by next_run_at limit ${limit * 10}
        ) c
        where c.workspace_id is null or not exists (
          select 1 from feeds o where o.workspace_id = c.workspace_id and o.locked_until >= now())
      ) d
      where d.workspace_id is null or d.turn = 1
      order by d.next_run_at limit ${limit}
    )
      -- Checked again on the row as it is now: another process that claimed it meanwhile keeps it.
      and f.next_run_at <= now() and (f.locked_until is null or f.locked_until < now())
    returning f.id, f.locked_until::text`,
  );
  return leasesOf(db, claimed);
}

/** Claims one feed whatever its schedule (the CLI's `feed run`), or null when another process is pulling it. */
export async function claimFeed(db: Db, id: string): Promise<Lease | null> {
  const claimed = await sqlRows<{ id: string; locked_until: string }>(
    db,
    sql`
    update feeds set locked_until = now() + make_interval(secs => ${LEASE_SECONDS}), last_run_at = now()
    where id = ${id} and (locked_until is null or locked_until < now())
    returning id, locked_until::text`,
  );
  const [lease] = await leasesOf(db, claimed);
  return lease ?? null;
}

async function leasesOf(db: Db, claimed: { id: string; locked_until: string }[]): Promise<Lease[]> {
  if (claimed.length === 0) return [];
  const rows = await db
    .select({ feed: feeds, plan: workspaces.plan })
    .from(feeds)
    .leftJoin(workspaces, eq(workspaces.id, feeds.workspaceId))
    .where(
      inArray(
        feeds.id,
        claimed.map((c) => c.id),
      ),
    );
  const until = new Map(claimed.map((c) => [c.id, c.locked_until]));
  return rows.map(({ feed, plan }) => ({ feed, plan, lockedUntil: until.get(feed.id)! }));
}

/**
 * Pulls a claimed feed, renewing its lease meanwhile, and records how it went. A lease lost (the
 * process stalled past it and another took the feed) stops the pull; its outcome is then not
 * recorded, the other process's is.
 */
export async function runClaimed(
  db: Db,
  lease: Lease,
  settings: FeedSettings,
  signal?: AbortSignal,
): Promise<{ result: PullResult; feed: FeedRow | null }> {
  const controller = new AbortController();
  const stop = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', stop);
  // A workspace's pull ends in bounded time, however slowly its source drips (docs/api.md §12).
  const deadline = lease.feed.trusted
    ? undefined
    : setTimeout(
        () =>
          controller.abort(new FeedError(`stopped after ${WORKSPACE_PULL_MINUTES} minutes, the longest a pull runs`)),
        WORKSPACE_PULL_MINUTES * 60_000,
      );
  const renewal = setInterval(() => {
    void sqlRows<{ locked_until: string }>(
      db,
      sql`
        update feeds set locked_until = now() + make_interval(secs => ${LEASE_SECONDS})
        where id = ${lease.feed.id} and locked_until = ${lease.lockedUntil}::timestamptz
        returning locked_until::text`,
    )
      .then(([row]) => {
        if (row) lease.lockedUntil = row.locked_until;
        else controller.abort(new Error('the lease was lost'));
      })
      .catch(() => {});
  }, RENEW_MS);
  let result: PullResult;
  try {
    result = await pullFeed(db, lease.feed, {
      policy: settings.policy,
      headers: feedHeaders(lease.feed, settings.secrets),
      maxRecords: lease.feed.workspaceId && lease.plan ? PLAN_LIMITS[lease.plan].feedRows : Infinity,
      signal: controller.signal,
    });
  } finally {
    clearInterval(renewal);
    clearTimeout(deadline);
    signal?.removeEventListener('abort', stop);
  }
  if (controller.signal.aborted && signal?.aborted)
    result = { ...result, error: 'the server stopped during the pull; it is tried again' };
  const feed = await recordOutcome(db, lease, result, Boolean(signal?.aborted));
  return { result, feed };
}

async function recordOutcome(db: Db, lease: Lease, result: PullResult, stopped: boolean): Promise<FeedRow | null> {
  const failed = result.error !== null;
  const backoff = BACKOFF[Math.min(lease.feed.failures, BACKOFF.length - 1)]!;
  const [row] = await db
    .update(feeds)
    .set({
      lockedUntil: null,
      lastRun: result.counts,
      lastError: result.error,
      ...(failed ? {} : { lastSuccessAt: sql`now()` }),
      failures: failed ? lease.feed.failures + 1 : 0,
      nextRunAt: sql`now() + make_interval(secs => ${
        stopped ? 0 : failed ? Math.min(backoff, lease.feed.everySeconds) : lease.feed.everySeconds
      })`,
    })
    .where(sql`${feeds.id} = ${lease.feed.id} and ${feeds.lockedUntil} = ${lease.lockedUntil}::timestamptz`)
    .returning();
  return row ?? null;
}

export class FeedWorker {
  private stopPolling: () => void = () => {};
  private readonly running = new Set<Promise<void>>();
  private claiming = false;
  private closed = false;
  private readonly stopping = new AbortController();

  constructor(
    private readonly database: Database,
    private readonly settings: FeedSettings,
    private readonly logger: Logger,
    private readonly options: { pollMs?: number; concurrency?: number } = {},
  ) {}

  async start(): Promise<void> {
    this.stopPolling = await wakeOnNoticeAndEvery(
      this.database,
      FEED_CHANNEL,
      () => this.wake(),
      this.options.pollMs ?? POLL_MS,
    );
  }

  /** Stops claiming and stops the pulls in flight (what they wrote stays; each is due again at once). */
  async close(): Promise<void> {
    this.closed = true;
    this.stopPolling();
    this.stopping.abort(new Error('the server is stopping'));
    await Promise.all(this.running);
  }

  wake(): void {
    if (this.closed || this.claiming) return;
    const room = (this.options.concurrency ?? CONCURRENCY) - this.running.size;
    if (room <= 0) return;
    this.claiming = true;
    claimDue(this.database.db, room)
      .then((leases) => {
        for (const lease of leases) {
          const pull: Promise<void> = this.pull(lease).finally(() => {
            this.running.delete(pull);
            this.wake();
          });
          this.running.add(pull);
        }
      })
      .catch((error: unknown) => this.logger.warn({ err: error }, 'claiming due feeds failed; trying again soon'))
      .finally(() => {
        this.claiming = false;
      });
  }

  private async pull(lease: Lease): Promise<void> {
    const started = performance.now();
    try {
      const { result } = await runClaimed(this.database.db, lease, this.settings, this.stopping.signal);
      if (result.internal) this.logger.error({ err: result.internal, feed: lease.feed.id }, 'feed pull failed');
      this.logger.info(
        {
          feed: lease.feed.id,
          workspace: lease.feed.workspaceId,
          format: lease.feed.format,
          ...result.counts,
          error: result.error,
          durationMs: Math.round(performance.now() - started),
        },
        'feed pulled',
      );
    } catch (error) {
      this.logger.warn(
        { err: error, feed: lease.feed.id },
        'feed pull could not be recorded; its lease lets it be tried again',
      );
    }
  }
}

/** Wakes the pullers of every process (a `Run now`). */
export async function notifyFeedRun(db: Db): Promise<void> {
  await db.execute(sql`select pg_notify(${FEED_CHANNEL}, '')`);
}
