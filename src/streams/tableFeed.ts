/**
 * What the live streams share (the IOC change stream, the alert stream): a table read as a log
 * from a position, woken by a NOTIFY channel of every server process, looking again every few
 * seconds in case a notification was missed, and ended when the client goes, the server closes, or
 * the caller's key stops working (revoked, expired; key changes are notified within moments).
 */
import type { Principal } from '../auth/principal.js';
import { ApiError } from '../core/errors.js';
import { isKeyUsable } from '../auth/keyState.js';
import type { Database } from '../db/client.js';
import type { Db } from '../db/handle.js';

/** Tells of changes to keys (src/auth/keyVerifier.ts), so that open streams check theirs again. */
export interface KeyChanges {
  watchChanges(listener: () => void): () => void;
}

export interface TableFeedOptions {
  channel: string;
  /** A stream looks for new rows at least this often, notified or not. */
  idleLookMs: number;
  /** After a notification, look once more this much later (rows that must settle first), or 0. */
  lookAgainMs?: number;
}

export class TableFeed {
  private readonly streams = new Set<() => void>();
  private closed = false;

  constructor(
    protected readonly db: Db,
    private readonly keys: KeyChanges,
    private readonly options: TableFeedOptions,
  ) {}

  /** Wakes this process' streams on every notification, and after a lost channel comes back. */
  async subscribe(database: Database): Promise<void> {
    await database.subscribe(this.options.channel, {
      onMessage: () => this.wakeAll(),
      onSubscribed: () => this.wakeAll(),
      onLost: () => {},
    });
  }

  /** Streams of this process still reading the table (for tests and metrics). */
  get openStreams(): number {
    return this.streams.size;
  }

  /** Ends every stream (at shutdown), so that no connection waits on one. */
  close(): void {
    this.closed = true;
    this.wakeAll();
  }

  private wakeAll(): void {
    const { lookAgainMs = 0 } = this.options;
    for (const wake of this.streams) {
      wake();
      if (lookAgainMs > 0) setTimeout(wake, lookAgainMs).unref();
    }
  }

  /**
   * Yields what `readPage` finds each time the stream is woken; `readPage` keeps its own position
   * and says whether it read a full page (then it is called again at once).
   */
  protected async *follow<T>(
    caller: Principal,
    signal: AbortSignal,
    readPage: () => Promise<{ items: T[]; full: boolean }>,
  ): AsyncGenerator<T> {
    if (signal.aborted) return;
    let pending = true;
    let checkKey = false;
    let wake: (() => void) | undefined;
    const wakeStream = () => {
      pending = true;
      wake?.();
    };
    this.streams.add(wakeStream);
    const unwatch = this.keys.watchChanges(() => {
      checkKey = true;
      wakeStream();
    });
    const expiresAt = caller.key.expiresAt === null ? null : Date.parse(caller.key.expiresAt);
    const onAbort = () => wake?.();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      while (!this.closed && !signal.aborted) {
        if (
          (expiresAt !== null && expiresAt <= Date.now()) ||
          (checkKey && !(await isKeyUsable(this.db, caller.key.id)))
        ) {
          throw new ApiError('expired_api_key');
        }
        checkKey = false;
        if (!pending) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, this.options.idleLookMs);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wake = undefined;
          if (this.closed || signal.aborted) return;
        }
        pending = false;
        const { items, full } = await readPage();
        yield* items;
        if (full) pending = true;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.streams.delete(wakeStream);
      unwatch();
    }
  }
}
