/**
 * Requests per API key and minute, by the workspace's plan (issue: hardening). The limit holds
 * across every server process that shares the database, without a database write per request:
 *
 * - The count lives in PostgreSQL (`rate_limit_windows`, one row per key and minute). A process
 *   leases a batch of tokens with one upsert that never lets `used` pass the limit, then spends
 *   them from memory. However many processes there are, no more than the limit is ever handed out.
 * - The batch is a fiftieth of the limit (at most 1,000): an enterprise key at its full rate costs
 *   about one statement a second. The price is that a process may hold a few unspent tokens while
 *   another is refused; at most (processes − 1) batches of a window go unused.
 * - Windows are fixed minutes, as `RateLimit-Reset` tells: a client sees exactly when it may
 *   resume. Rows older than ten minutes are deleted by a timer.
 */
import type { Db } from '../db/handle.js';
import { preparedRows } from '../db/prepared.js';
import { ApiError } from '../core/errors.js';
import type { Plan } from '../core/plans.js';
import type { Principal } from './principal.js';

const WINDOW_MS = 60_000;
const MAX_BATCH = 1000;
const PURGE_INTERVAL_MS = 60_000;

/** What a caller may still do in the current window: the `RateLimit-*` headers. */
export interface RateLimitStatus {
  limit: number;
  remaining: number;
  /** Seconds until the window ends and the count starts again. */
  resetSeconds: number;
}

interface Lease {
  windowStart: number;
  limit: number;
  /** Tokens leased to this process and not spent yet. */
  tokens: number;
  /** Tokens handed out to all processes in this window, as of this process' latest lease. */
  used: number;
  /** The lease being taken, shared by every request that waits for it. */
  pending: Promise<void> | undefined;
}

export class KeyRateLimiter {
  private readonly leases = new Map<string, Lease>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    private readonly limits: Readonly<Record<Plan, number>>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Deletes finished windows now and then. */
  start(): void {
    this.timer = setInterval(() => void this.purge().catch(() => {}), PURGE_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /**
   * Spends one request of the key's allowance, or throws `rate_limited` (with `retryAfter`) when
   * the window's allowance is spent. `status` receives the headers' values either way.
   */
  async take(principal: Principal, status: (value: RateLimitStatus) => void): Promise<void> {
    const keyId = principal.key.id;
    const limit = this.limits[principal.workspace.plan];
    for (;;) {
      const now = this.now();
      const windowStart = now - (now % WINDOW_MS);
      const resetSeconds = Math.ceil((windowStart + WINDOW_MS - now) / 1000);
      let lease = this.leases.get(keyId);
      if (!lease || lease.windowStart !== windowStart || lease.limit !== limit) {
        lease = { windowStart, limit, tokens: 0, used: 0, pending: undefined };
        this.remember(keyId, lease);
      }
      if (lease.tokens > 0) {
        lease.tokens--;
        status({ limit, remaining: Math.max(0, limit - lease.used + lease.tokens), resetSeconds });
        return;
      }
      if (lease.used >= limit) {
        status({ limit, remaining: 0, resetSeconds });
        throw new ApiError('rate_limited', undefined, { retryAfter: resetSeconds });
      }
      const current = lease;
      current.pending ??= this.lease(keyId, current).finally(() => (current.pending = undefined));
      await current.pending;
    }
  }

  /** One upsert: up to a batch of tokens, never past the limit; tells how many it granted. */
  private async lease(keyId: string, lease: Lease): Promise<void> {
    const batch = Math.min(MAX_BATCH, Math.max(1, Math.ceil(lease.limit / 50)));
    const [row] = await preparedRows<{ used: number; granted: number }>(
      this.db,
      `insert into rate_limit_windows as w (key_id, window_start, used, last_grant)
         values ($1::uuid, $2::timestamptz, least($3::int, $4::int), least($3::int, $4::int))
       on conflict (key_id, window_start) do update
         set used = least(w.used + $3::int, $4::int), last_grant = least(w.used + $3::int, $4::int) - w.used
       returning used, last_grant as granted`,
      [keyId, new Date(lease.windowStart).toISOString(), batch, lease.limit],
    );
    lease.used = row!.used;
    lease.tokens += row!.granted;
  }

  private remember(keyId: string, lease: Lease): void {
    this.leases.set(keyId, lease);
    if (this.leases.size > 100_000) {
      for (const [id, old] of this.leases) if (old.windowStart < lease.windowStart) this.leases.delete(id);
    }
  }

  async purge(): Promise<void> {
    const before = new Date(this.now() - 10 * WINDOW_MS).toISOString();
    await preparedRows(this.db, `delete from rate_limit_windows where window_start < $1::timestamptz`, [before]);
  }
}

/** The `RateLimit-*` header fields of a status (IETF httpapi-ratelimit-headers). */
export function rateLimitHeaders(status: RateLimitStatus): Record<string, string> {
  return {
    'ratelimit-limit': String(status.limit),
    'ratelimit-remaining': String(status.remaining),
    'ratelimit-reset': String(status.resetSeconds),
  };
}
