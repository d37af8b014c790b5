/**
 * New and changed IOCs as they happen (issue: toolchain), for the `iocChanged` subscription and the
 * REST event stream. The table is the log: a stream reads the rows whose (updated_at, id) come after
 * the last one it sent, oldest first, so a stream resumed from an event's cursor misses nothing and
 * repeats nothing. PostgreSQL's NOTIFY (drizzle/0005: one per statement that writes IOCs) only wakes
 * the streams of every server process; they also look every few seconds, in case one was missed.
 *
 * A row is sent once it is `settleMs` old by the database's clock: `updated_at` is the time its
 * transaction started, so a transaction still open could otherwise commit a row behind the cursor.
 * Every write of IOCs is one short statement, far shorter than that.
 */
import type { Db } from '../db/handle.js';
import { decodeCursor, encodeCursor, PG_TIMESTAMP_PATTERN } from '../core/cursors.js';
import { UUID_PATTERN } from '../core/ids.js';
import type { IocType } from '../core/normalize.js';
import type { Principal } from '../auth/principal.js';
import { TableFeed, type KeyChanges } from '../streams/tableFeed.js';
import { changeStreamStart, listIocsByChange, type IocRow } from './repository.js';

declare module '../graphql/context.js' {
  interface Services {
    /** New and changed IOCs as they happen, for subscriptions. */
    readonly changes: IocChangeFeed;
  }
}

export const IOC_CHANNEL = 'ioc_changed';
const SETTLE_MS = 2000;
/** Rows per read; a stream that finds this many reads again at once. */
const READ_ROWS = 500;
/** A stream looks for changes at least this often, notified or not. */
const IDLE_LOOK_MS = 5000;

export interface IocChange {
  /** Resume after this event with it (`after`, or SSE `Last-Event-ID`). */
  cursor: string;
  ioc: IocRow;
}

export class IocChangeFeed extends TableFeed {
  constructor(
    db: Db,
    keys: KeyChanges,
    /** How old a change must be before it is read (see above); TAXII pages wait as long. */
    readonly settleMs = SETTLE_MS,
  ) {
    // What was just written becomes readable once it has settled: look again then.
    super(db, keys, { channel: IOC_CHANNEL, idleLookMs: IDLE_LOOK_MS, lookAgainMs: settleMs + 50 });
  }

  /** Parses a cursor given by a client; throws `invalid_parameter` naming `parameter`. */
  static parseCursor(cursor: string, parameter: string): { updatedAt: string; id: string } {
    const [updatedAt, id] = decodeCursor(cursor, [PG_TIMESTAMP_PATTERN, UUID_PATTERN], parameter)!;
    return { updatedAt: updatedAt!, id: id! };
  }

  /**
   * The changes visible to the caller's workspace, of one type or all, after `after` or from now
   * on. The stream ends with `expired_api_key` once the caller's key is revoked (within moments:
   * key changes are notified) or expires.
   */
  async *changes(
    caller: Principal,
    type: IocType | null,
    after: { updatedAt: string; id: string } | null,
    /** Aborted when the client goes: the stream ends at once and reads nothing more. */
    signal: AbortSignal,
    /** Run when the stream ends, however it ends. */
    onEnd: () => void = () => {},
  ): AsyncGenerator<IocChange> {
    try {
      yield* this.read(caller, type, after, signal);
    } finally {
      onEnd();
    }
  }

  private async *read(
    caller: Principal,
    type: IocType | null,
    after: { updatedAt: string; id: string } | null,
    signal: AbortSignal,
  ): AsyncGenerator<IocChange> {
    if (signal.aborted) return;
    let position = after ?? (await changeStreamStart(this.db, this.settleMs));
    yield* this.follow(caller, signal, async () => {
      const rows = await listIocsByChange(this.db, {
        collection: 'visible',
        workspaceId: caller.workspace.id,
        type,
        after: position,
        settleMs: this.settleMs,
        limit: READ_ROWS,
      });
      const last = rows.at(-1);
      if (last) position = { updatedAt: last.updatedAt, id: last.id };
      return {
        items: rows.map((ioc) => ({ cursor: encodeCursor([ioc.updatedAt, ioc.id]), ioc })),
        full: rows.length === READ_ROWS,
      };
    });
  }
}
