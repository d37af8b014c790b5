/**
 * New alerts as they are raised (API.md §10), for the `alertCreated` subscription and
 * `GET /api/v1/alerts/stream`. The table is the log, read in the order of the transactions that
 * wrote it (`xid`, then id), and only below the oldest transaction still running: an import's
 * batch that takes seconds to commit can never land behind a stream's position, so a stream
 * resumed from an event's cursor misses nothing and repeats nothing. The database's NOTIFY (one
 * per statement that raises alerts, at its commit) wakes the streams of every server process;
 * they also look every few seconds.
 */
import { and, asc, eq, getTableColumns, sql } from 'drizzle-orm';
import type { Principal } from '../auth/principal.js';
import type { Database, Db } from '../db/client.js';
import { alerts } from '../db/schema.js';
import { ApiError } from '../errors.js';
import { decodeCursor, encodeCursor } from '../graphql/connections.js';
import { UUID_PATTERN } from '../ids.js';
import { isKeyUsable } from '../keys/repository.js';
import type { KeyChanges } from '../iocs/changes.js';
import { withRecords, type AlertShape } from './records.js';

export const ALERT_CHANNEL = 'alert_created';
const READ_ROWS = 200;
const IDLE_LOOK_MS = 3000;
const XID_PATTERN = /^\d{1,20}$/;

export interface AlertEvent {
  cursor: string;
  alert: AlertShape;
}

type Position = { xid: string; id: string };

export class AlertFeed {
  private readonly streams = new Set<() => void>();
  private closed = false;

  constructor(
    private readonly db: Db,
    private readonly keys: KeyChanges,
  ) {}

  async subscribe(database: Database): Promise<void> {
    await database.subscribe(ALERT_CHANNEL, { onMessage: () => this.wakeAll(), onSubscribed: () => this.wakeAll(), onLost: () => {} });
  }

  close(): void {
    this.closed = true;
    this.wakeAll();
  }

  private wakeAll(): void {
    for (const wake of this.streams) wake();
  }

  static parseCursor(cursor: string, parameter: string): Position {
    const [xid, id] = decodeCursor(cursor, [XID_PATTERN, UUID_PATTERN], parameter)!;
    return { xid: xid!, id: id! };
  }

  /** The workspace's new alerts, after `after` or from now on; ends with `expired_api_key` when the key stops working. */
  async *alerts(caller: Principal, after: Position | null, signal: AbortSignal, onEnd: () => void = () => {}): AsyncGenerator<AlertEvent> {
    try {
      yield* this.read(caller, after, signal);
    } finally {
      onEnd();
    }
  }

  private async *read(caller: Principal, after: Position | null, signal: AbortSignal): AsyncGenerator<AlertEvent> {
    if (signal.aborted) return;
    // From now on: everything from the oldest transaction still running.
    let position = after ?? { xid: String(BigInt((await this.rows<{ xmin: string }>(sql`select pg_snapshot_xmin(pg_current_snapshot())::text as xmin`))[0]!.xmin) - 1n), id: 'ffffffff-ffff-ffff-ffff-ffffffffffff' };
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
        if ((expiresAt !== null && expiresAt <= Date.now()) || (checkKey && !(await isKeyUsable(this.db, caller.key.id)))) {
          throw new ApiError('expired_api_key');
        }
        checkKey = false;
        if (!pending) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, IDLE_LOOK_MS);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wake = undefined;
          if (this.closed || signal.aborted) return;
        }
        pending = false;
        const rows = await this.db
          .select({ ...getTableColumns(alerts), xidText: sql<string>`${alerts.xid}::text` })
          .from(alerts)
          .where(
            and(
              eq(alerts.workspaceId, caller.workspace.id),
              sql`(${alerts.xid}, ${alerts.id}) > (${position.xid}::xid8, ${position.id}::uuid)`,
              sql`${alerts.xid} < pg_snapshot_xmin(pg_current_snapshot())`,
            ),
          )
          .orderBy(asc(alerts.xid), asc(alerts.id))
          .limit(READ_ROWS);
        const shaped = await withRecords(this.db, caller, rows);
        for (const [i, row] of rows.entries()) {
          position = { xid: row.xidText, id: row.id };
          yield { cursor: encodeCursor([row.xidText, row.id]), alert: shaped[i]! };
        }
        if (rows.length === READ_ROWS) pending = true;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.streams.delete(wakeStream);
      unwatch();
    }
  }

  private async rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
    const result: unknown = await this.db.execute(query);
    return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
  }
}
