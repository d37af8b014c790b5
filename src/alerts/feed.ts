/**
 * New alerts as they are raised (docs/api.md §10), for the `alertCreated` subscription and
 * `GET /api/v1/alerts/stream`. The table is the log, read in the order of the transactions that
 * wrote it (`xid`, then id), and only below the oldest transaction still running: an import's
 * batch that takes seconds to commit can never land behind a stream's position, so a stream
 * resumed from an event's cursor misses nothing and repeats nothing. The database's NOTIFY (one
 * per statement that raises alerts, at its commit) wakes the streams of every server process;
 * they also look every few seconds.
 */
import { and, asc, eq, getTableColumns, sql } from 'drizzle-orm';
import type { Principal } from '../auth/principal.js';
import type { Db } from '../db/handle.js';
import { TableFeed, type KeyChanges } from '../streams/tableFeed.js';
import { alerts } from '../db/schema.js';
import { decodeCursor, encodeCursor } from '../core/cursors.js';
import { UUID_PATTERN } from '../core/ids.js';
import { withRecords, type AlertShape } from './records.js';

declare module '../graphql/context.js' {
  interface Services {
    /** New alerts as they are raised, for subscriptions. */
    readonly alerts: AlertFeed;
  }
}

export const ALERT_CHANNEL = 'alert_created';
const READ_ROWS = 200;
const IDLE_LOOK_MS = 3000;
const XID_PATTERN = /^\d{1,20}$/;

export interface AlertEvent {
  cursor: string;
  alert: AlertShape;
}

type Position = { xid: string; id: string };

export class AlertFeed extends TableFeed {
  constructor(db: Db, keys: KeyChanges) {
    super(db, keys, { channel: ALERT_CHANNEL, idleLookMs: IDLE_LOOK_MS });
  }

  static parseCursor(cursor: string, parameter: string): Position {
    const [xid, id] = decodeCursor(cursor, [XID_PATTERN, UUID_PATTERN], parameter)!;
    return { xid: xid!, id: id! };
  }

  /** The workspace's new alerts, after `after` or from now on; ends with `expired_api_key` when the key stops working. */
  async *alerts(
    caller: Principal,
    after: Position | null,
    signal: AbortSignal,
    onEnd: () => void = () => {},
  ): AsyncGenerator<AlertEvent> {
    try {
      if (signal.aborted) return;
      // From now on: everything from the oldest transaction still running.
      let position = after ?? (await this.start());
      yield* this.follow(caller, signal, async () => {
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
        const last = rows.at(-1);
        if (last) position = { xid: last.xidText, id: last.id };
        const shaped = await withRecords(this.db, caller, rows);
        return {
          items: rows.map((row, i) => ({ cursor: encodeCursor([row.xidText, row.id]), alert: shaped[i]! })),
          full: rows.length === READ_ROWS,
        };
      });
    } finally {
      onEnd();
    }
  }

  /** Just below the oldest transaction still running: what it and every later one write is ahead. */
  async start(): Promise<Position> {
    const [row] = await this.db
      .select({ xmin: sql<string>`pg_snapshot_xmin(pg_current_snapshot())::text` })
      .from(sql`(select 1) as now`);
    return { xid: String(BigInt(row!.xmin) - 1n), id: 'ffffffff-ffff-ffff-ffff-ffffffffffff' };
  }
}
