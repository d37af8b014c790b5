/**
 * Read replicas (`DATABASE_REPLICA_URLS`): PostgreSQL's own streaming replicas take the API's reads,
 * the primary keeps the writes, key checks, rate limits, streams and background work.
 *
 * - **Read your own writes.** After a request of a workspace writes, the primary's WAL position
 *   (`pg_current_wal_lsn()`, read once the write has committed) is kept in `workspace_wal_positions`
 *   on the primary, so every process sees it. A read of that workspace goes to a replica only when
 *   the replica has replayed that far (`pg_last_wal_replay_lsn()`), otherwise to the primary.
 * - **Lag.** Every `pollMs` the primary's position is noted with the time; a replica's lag is how
 *   long ago the primary was at the first position it has not replayed yet (0 when it has replayed
 *   everything). A replica that lags more than `maxLagMs`, or does not answer, is skipped until a
 *   later check finds it well again; so is one a read found unreachable, and that read runs again
 *   on the primary. A replica's replay position is the one of its last check, so a read can only
 *   be sent to the primary too often, never to a replica too early.
 */
import { sql } from 'drizzle-orm';
import type { Logger } from '../core/logger.js';
import type { Database } from './client.js';
import type { Db } from './handle.js';
import { preparedRows, sqlRows } from './prepared.js';

/** Where one request's reads go: a replica, or null for the primary. */
export interface ReadRouting {
  readerFor(workspaceId: string): Promise<{ name: string; database: Database } | null>;
  /** After a request of the workspace wrote: its next reads wait for a replica that has replayed it. */
  wrote(workspaceId: string): Promise<void>;
  /** A read on this replica found it unreachable: it takes no reads until a check finds it well. */
  unavailable(name: string, error: unknown): void;
}

export interface ReplicaStatus {
  name: string;
  /** Answering, and within the lag allowed. */
  usable: boolean;
  lagMs: number | null;
  error: string | null;
}

interface Replica {
  name: string;
  database: Database;
  /** Replayed WAL position at the last check; -1 before the first. */
  replayed: bigint;
  lagMs: number | null;
  usable: boolean;
  error: string | null;
}

/** A WAL position (`16/B374D848`) as a number. */
export function parseLsn(text: string): bigint {
  const [high, low] = text.split('/');
  return (BigInt(`0x${high}`) << 32n) + BigInt(`0x${low}`);
}

const CHECK_TIMEOUT_MS = 2000;

export class ReplicaRouter implements ReadRouting {
  private readonly replicas: Replica[];
  /** The primary's position at each check, oldest first, as far back as the lag allowed (and one more). */
  private history: { at: number; lsn: bigint }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | null = null;
  private turn = 0;

  constructor(
    private readonly primary: Db,
    replicas: readonly { name: string; database: Database }[],
    private readonly options: { maxLagMs: number; pollMs: number; logger: Logger },
  ) {
    this.replicas = replicas.map(({ name, database }) => ({
      name,
      database,
      replayed: -1n,
      lagMs: null,
      usable: false,
      error: null,
    }));
  }

  /** Checks every replica once, then every `pollMs`. */
  async start(): Promise<void> {
    await this.check();
    this.timer = setInterval(() => void this.check(), this.options.pollMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.checking;
    await Promise.all(this.replicas.map((replica) => replica.database.close()));
  }

  status(): ReplicaStatus[] {
    return this.replicas.map(({ name, usable, lagMs, error }) => ({ name, usable, lagMs, error }));
  }

  async readerFor(workspaceId: string): Promise<{ name: string; database: Database } | null> {
    const usable = this.replicas.filter((replica) => replica.usable);
    if (usable.length === 0) return null;
    const [row] = await preparedRows<{ lsn: string }>(
      this.primary,
      'select lsn from workspace_wal_positions where workspace_id = $1::uuid',
      [workspaceId],
    );
    const needed = row ? parseLsn(row.lsn) : 0n;
    const ready = usable.filter((replica) => replica.replayed >= needed);
    if (ready.length === 0) return null;
    const replica = ready[this.turn++ % ready.length]!;
    return { name: replica.name, database: replica.database };
  }

  async wrote(workspaceId: string): Promise<void> {
    await preparedRows(
      this.primary,
      `insert into workspace_wal_positions (workspace_id, lsn) values ($1::uuid, pg_current_wal_lsn()::text)
       on conflict (workspace_id) do update set lsn = excluded.lsn`,
      [workspaceId],
    );
  }

  unavailable(name: string, error: unknown): void {
    const replica = this.replicas.find((candidate) => candidate.name === name);
    if (replica?.usable)
      this.update(replica, { usable: false, lagMs: null, error: (error as Error).message ?? String(error) });
  }

  /** One check of the primary's position and every replica's (one at a time: a slow check is not stacked). */
  check(): Promise<void> {
    this.checking ??= this.checkAll().finally(() => {
      this.checking = null;
    });
    return this.checking;
  }

  private async checkAll(): Promise<void> {
    const at = Date.now();
    try {
      const [row] = await sqlRows<{ lsn: string }>(this.primary, sql`select pg_current_wal_lsn()::text as lsn`);
      const lsn = parseLsn(row!.lsn);
      if (this.history.at(-1)?.lsn !== lsn) this.history.push({ at, lsn });
      // Older positions matter only to say that a replica lags more than allowed.
      const horizon = at - this.options.maxLagMs - this.options.pollMs;
      while (this.history.length > 1 && this.history[1]!.at < horizon) this.history.shift();
    } catch (error) {
      // Without the primary's position no lag can be judged; the reads' own errors will tell.
      this.options.logger.warn({ err: error }, 'replica check: the primary did not give its WAL position');
      return;
    }
    await Promise.all(this.replicas.map((replica) => this.checkReplica(replica, at)));
  }

  private async checkReplica(replica: Replica, at: number): Promise<void> {
    let replayed: bigint;
    try {
      const [row] = await withTimeout(
        sqlRows<{ lsn: string | null }>(replica.database.db, sql`select pg_last_wal_replay_lsn()::text as lsn`),
        CHECK_TIMEOUT_MS,
      );
      if (!row?.lsn) throw new Error('the server is not a replica (pg_last_wal_replay_lsn() is null)');
      replayed = parseLsn(row.lsn);
    } catch (error) {
      this.update(replica, { usable: false, lagMs: null, error: (error as Error).message });
      return;
    }
    const behind = this.history.find((entry) => entry.lsn > replayed);
    const lagMs = behind ? at - behind.at : 0;
    replica.replayed = replayed;
    this.update(replica, { usable: lagMs <= this.options.maxLagMs, lagMs, error: null });
  }

  private update(replica: Replica, next: { usable: boolean; lagMs: number | null; error: string | null }): void {
    const was = replica.usable;
    Object.assign(replica, next);
    if (was === next.usable) return;
    if (next.usable) this.options.logger.info({ replica: replica.name, lag_ms: next.lagMs }, 'replica takes reads');
    else
      this.options.logger.warn(
        { replica: replica.name, lag_ms: next.lagMs, error: next.error },
        next.error ? 'replica skipped: it does not answer' : 'replica skipped: it lags too far behind',
      );
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
