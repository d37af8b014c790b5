/**
 * `last_used_at`, kept to the minute without a write per request (docs/api.md §2): each use is noted
 * in memory, and a timer writes the keys whose minute changed, all in one statement. What is
 * written is the first use in that minute, not the minute's start: a key used the second it was
 * made must not look used before it was made.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../db/handle.js';
import type { Logger } from '../core/logger.js';

const MINUTE_MS = 60_000;
/** Often enough that what is stored is never more than a few seconds behind its minute. */
const FLUSH_INTERVAL_MS = 10_000;

export class LastUsedRecorder {
  /** Key id -> its first use in the latest minute it was used, not written yet. */
  private pending = new Map<string, number>();
  /** Key id -> the use last written, so a busy key is written once a minute at most. */
  private readonly written = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
    private readonly intervalMs = FLUSH_INTERVAL_MS,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  record(keyId: string, now = Date.now()): void {
    const minute = minuteOf(now);
    if (minuteOf(this.written.get(keyId)) === minute || minuteOf(this.pending.get(keyId)) === minute) return;
    this.pending.set(keyId, now);
  }

  /** Writes what is pending. A failed write is kept for the next flush, never lost. */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const rows = [...batch].map(([id, at]) => sql`(${id}::uuid, ${new Date(at).toISOString()}::timestamptz)`);
    try {
      await this.db.execute(sql`
        update api_keys set last_used_at = greatest(coalesce(api_keys.last_used_at, used.at), used.at)
        from (values ${sql.join(rows, sql`, `)}) as used(id, at)
        where api_keys.id = used.id`);
      if (this.written.size > 100_000) this.written.clear();
      for (const [id, at] of batch) this.written.set(id, at);
    } catch (error) {
      for (const [id, at] of batch) if (!this.pending.has(id)) this.pending.set(id, at);
      this.logger.warn({ err: error }, 'last_used_at not written; will retry');
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}

function minuteOf(at: number | undefined): number | undefined {
  return at === undefined ? undefined : at - (at % MINUTE_MS);
}
