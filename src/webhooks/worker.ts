/**
 * Webhook delivery (docs/api.md §10). Deliveries wait in PostgreSQL (`webhook_deliveries`, queued by
 * the database with each alert): every server process runs a worker that claims due deliveries
 * with `FOR UPDATE SKIP LOCKED` and holds each for a short lease, so that with several processes
 * each attempt is made by one of them, and a process that dies mid-attempt lets the lease run out
 * and another takes the delivery again (at least once; the same `webhook-id`).
 *
 * Why not pg-boss or graphile-worker: both drive PostgreSQL through the `pg` driver and their own
 * schema and listeners; neither runs on the embedded PGlite, which the product must support with
 * no server. The queue here is one table that is also the delivery log the API lists, one claim
 * statement and one update per attempt, on the product's own `Database` for both engines.
 *
 * Each attempt: the URL checked again (its host resolved, every address allowed), a connection to
 * the address checked, no redirects followed, 15 s at most; signed per Standard Webhooks with the
 * `standardwebhooks` library (both secrets during a rotation).
 */
import http from 'node:http';
import https from 'node:https';
import { eq, sql } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { alertJson } from '../alerts/json.js';
import { workspaceMayRead } from '../alerts/records.js';
import { recordsOf, type AlertRow } from '../alerts/repository.js';
import type { Database } from '../db/client.js';
import { wakeOnNoticeAndEvery } from '../db/wakeups.js';
import { alerts, type Workspace } from '../db/schema.js';
import type { Logger } from '../core/logger.js';
import type { WebhookSettings } from './settings.js';
import { pinnedLookup, reachableUrl, UrlRefused } from '../http/urlPolicy.js';

export const DELIVERY_CHANNEL = 'webhook_delivery';
/** An attempt is given up after this long (docs/api.md §10). */
export const ATTEMPT_TIMEOUT_MS = 15_000;
/** A claimed delivery is this process's for this long; longer than an attempt can take. */
const LEASE_SECONDS = 30;
/**
 * Fairness (docs/api.md §12). Attempts run side by side, each on its own, never a batch waiting for its
 * slowest: an endpoint that never answers holds at most `PER_ENDPOINT` attempts (in all processes)
 * and its workspace at most `PER_WORKSPACE`, for at most the attempt timeout, while the others'
 * deliveries are claimed as soon as they are due. `IN_FLIGHT` bounds one process's sockets; it is
 * far above what the two shares let a few tenants hold, so no one tenant's dead endpoints fill it.
 */
export const PER_ENDPOINT = 2;
export const PER_WORKSPACE = 4;
const IN_FLIGHT = 200;
/** Looked for every so often even without a notification (retries fall due without one). */
const POLL_MS = 1000;

interface Claimed {
  id: string;
  endpoint_id: string;
  alert_id: string;
  attempt_count: number;
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_valid: boolean;
  /** The workspace's plan and billing now: what its deliveries may carry (docs/api.md §10). */
  plan: Workspace['plan'];
  billing_status: Workspace['billingStatus'];
}

type Outcome =
  { status: number; retryAfter: string | null; error: null } | { status: null; retryAfter: null; error: string };

export interface WorkerOptions {
  pollMs?: number;
  timeoutMs?: number;
}

export class DeliveryWorker {
  private stopPolling: () => void = () => {};
  private running: Promise<void> | null = null;
  /** The attempts this process is making now. */
  private readonly inFlight = new Set<Promise<void>>();
  private again = false;
  private closed = false;

  constructor(
    private readonly database: Database,
    private readonly settings: WebhookSettings,
    private readonly logger: Logger,
    private readonly options: WorkerOptions = {},
  ) {}

  async start(): Promise<void> {
    this.stopPolling = await wakeOnNoticeAndEvery(
      this.database,
      DELIVERY_CHANNEL,
      () => this.wake(),
      this.options.pollMs ?? POLL_MS,
    );
  }

  /** Stops claiming; resolves when the attempts in flight are done. */
  async close(): Promise<void> {
    this.closed = true;
    this.stopPolling();
    await this.running;
    await Promise.all(this.inFlight);
  }

  /** Claims and sends what is due; one round at a time, another at once if woken meanwhile. */
  wake(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.round()
      .catch((error: unknown) =>
        this.logger.warn({ err: error }, 'webhook delivery round failed; retrying on the next one'),
      )
      .finally(() => {
        this.running = null;
        if (this.again && !this.closed) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async round(): Promise<void> {
    for (;;) {
      const capacity = IN_FLIGHT - this.inFlight.size;
      if (capacity <= 0 || this.closed) return;
      const claimed = await this.claim(capacity);
      for (const delivery of claimed) {
        const attempt: Promise<void> = this.attempt(delivery)
          .catch((error: unknown) =>
            this.logger.warn({ err: error }, 'webhook attempt failed to record; its lease lets it be tried again'),
          )
          .finally(() => {
            this.inFlight.delete(attempt);
            // A share freed: what waited behind it may go now.
            this.wake();
          });
        this.inFlight.add(attempt);
      }
      if (claimed.length < capacity) return;
    }
  }

  /**
   * Claims due deliveries within the shares: per endpoint (locked while claimed, so that two
   * processes never both fill one endpoint's share), then per workspace, the workspaces taking
   * turns (each one's oldest first), at most `capacity` in all.
   */
  private claim(capacity: number): Promise<Claimed[]> {
    return this.database.rows<Claimed>(sql`
      with endpoints as (
        select e.id, e.workspace_id from webhook_endpoints e
        where e.enabled and exists (
          select 1 from webhook_deliveries d
          where d.endpoint_id = e.id and d.status = 'pending' and d.next_attempt_at <= now() and (d.locked_until is null or d.locked_until < now()))
        for update of e skip locked
      ), in_flight as (
        select d.endpoint_id, d.workspace_id from webhook_deliveries d
        where d.status = 'pending' and d.locked_until is not null and d.locked_until > now()
      ), candidates as (
        select c.id, e.workspace_id, c.next_attempt_at,
          row_number() over (partition by e.workspace_id order by c.next_attempt_at, c.id) as turn
        from endpoints e
        cross join lateral (
          select d.id, d.next_attempt_at from webhook_deliveries d
          where d.endpoint_id = e.id and d.status = 'pending' and d.next_attempt_at <= now() and (d.locked_until is null or d.locked_until < now())
          order by d.next_attempt_at, d.id
          limit greatest(0, ${PER_ENDPOINT} - (select count(*) from in_flight f where f.endpoint_id = e.id))
        ) c
      ), chosen as (
        select c.id from candidates c
        where c.turn <= ${PER_WORKSPACE} - (select count(*) from in_flight f where f.workspace_id = c.workspace_id)
        order by c.turn, c.next_attempt_at
        limit ${capacity}
      )
      update webhook_deliveries d set locked_until = now() + make_interval(secs => ${LEASE_SECONDS}), updated_at = now()
      from webhook_endpoints e, workspaces ws
      where e.id = d.endpoint_id and ws.id = e.workspace_id and d.id in (select id from chosen)
        -- Checked again on the row as it is now: another process that claimed it since this
        -- statement's snapshot was taken has moved its lease, and the row is left to it.
        and d.status = 'pending' and (d.locked_until is null or d.locked_until < now())
      returning d.id, d.endpoint_id, d.alert_id, d.attempt_count, e.url, e.secret, e.previous_secret,
        coalesce(e.previous_secret_expires_at > now(), false) as previous_valid, ws.plan, ws.billing_status`);
  }

  private async attempt(delivery: Claimed): Promise<void> {
    const started = performance.now();
    const at = new Date();
    const outcome = await this.send(delivery, at).catch((error: unknown): Outcome => ({
      status: null,
      retryAfter: null,
      error: (error as Error).message,
    }));
    const durationMs = Math.round(performance.now() - started);
    const attempts = delivery.attempt_count + 1;
    const delivered = outcome.status !== null && outcome.status >= 200 && outcome.status < 300;
    const gone = outcome.status === 410;
    const delay = delivered || gone ? null : this.delayBefore(attempts, outcome.retryAfter);
    const status = delivered ? 'delivered' : gone || delay === null ? 'failed' : 'pending';
    await this.database.rows(sql`
      with attempt as (
        insert into webhook_attempts (id, delivery_id, at, status, error, duration_ms)
        values (uuidv7(), ${delivery.id}, ${at.toISOString()}::timestamptz, ${outcome.status}, ${outcome.error}, ${durationMs})
      ), disabled as (
        update webhook_endpoints set enabled = false, disabled_reason = 'the receiver answered 410 Gone', updated_at = now()
        where id = ${delivery.endpoint_id} and ${gone}
      )
      update webhook_deliveries set status = ${status}::delivery_status, attempt_count = ${attempts}, locked_until = null, updated_at = now(),
        next_attempt_at = case when ${delay}::float8 is null then next_attempt_at else now() + make_interval(secs => ${delay}::float8) end
      where id = ${delivery.id}`);
  }

  /** Seconds before the next attempt after `attempts` failed ones, or null when they are spent. */
  private delayBefore(attempts: number, retryAfter: string | null): number | null {
    const scheduled = this.settings.retrySchedule[attempts - 1];
    if (scheduled === undefined) return null;
    const asked = retryAfterSeconds(retryAfter);
    // Up to 10 % later, at random, so that many failed deliveries do not come back all at once.
    return Math.min(86_400, asked ?? scheduled * (1 + Math.random() * 0.1));
  }

  private async send(delivery: Claimed, at: Date): Promise<Outcome> {
    const { policy, secrets } = this.settings;
    let url: URL;
    let address: { address: string; family: 4 | 6 };
    try {
      ({ url, address } = await reachableUrl(delivery.url, policy));
    } catch (error) {
      if (error instanceof UrlRefused) return { status: null, retryAfter: null, error: `the URL ${error.message}` };
      throw error;
    }
    const [alert] = await this.database.db.select().from(alerts).where(eq(alerts.id, delivery.alert_id));
    if (!alert) return { status: null, retryAfter: null, error: 'the alert no longer exists' };
    const body = JSON.stringify({
      type: 'alert.created',
      timestamp: at.toISOString(),
      data: await this.alertBody(alert, delivery),
    });
    const keys = [
      secrets.open(delivery.secret),
      ...(delivery.previous_secret && delivery.previous_valid ? [secrets.open(delivery.previous_secret)] : []),
    ];
    const signature = keys.map((key) => new Webhook(key).sign(delivery.id, at, body)).join(' ');
    return post(
      url,
      address,
      body,
      {
        'content-type': 'application/json',
        'user-agent': 'threat-intel-api-webhooks/1',
        'webhook-id': delivery.id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': signature,
      },
      this.options.timeoutMs ?? ATTEMPT_TIMEOUT_MS,
    );
  }

  /**
   * The alert as the API shows it, its record only when the workspace may read it at this moment
   * (a leak needs the enterprise plan and active billing now, not when the alert was raised).
   */
  private async alertBody(alert: AlertRow, delivery: Claimed): Promise<unknown> {
    if (!workspaceMayRead({ plan: delivery.plan, billingStatus: delivery.billing_status }, alert.kind))
      return alertJson(alert, null);
    const records = await recordsOf(this.database.db, [alert]);
    return alertJson(alert, records.get(alert.recordId) ?? null);
  }
}

/** `Retry-After` in seconds (a number of seconds or an HTTP date), or null. */
export function retryAfterSeconds(value: string | null): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/** One POST to the checked address; redirects are answers like any other (not followed). */
function post(
  url: URL,
  address: { address: string; family: 4 | 6 },
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<Outcome> {
  return new Promise<Outcome>((resolve) => {
    const request = (url.protocol === 'https:' ? https : http).request(url, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      lookup: pinnedLookup(address),
      agent: false,
    });
    const timer = setTimeout(() => request.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    request.on('response', (response) => {
      clearTimeout(timer);
      resolve({ status: response.statusCode ?? 0, retryAfter: response.headers['retry-after'] ?? null, error: null });
      // The body is not read: nothing in it changes the outcome.
      response.destroy();
    });
    request.on('error', (error) => {
      clearTimeout(timer);
      resolve({ status: null, retryAfter: null, error: error.message });
    });
    request.end(body);
  });
}
