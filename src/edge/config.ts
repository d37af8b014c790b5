/** Environment -> typed configuration (docs/api.md §8). The one module that reads `process.env`. */
import { isIP } from 'node:net';
import path from 'node:path';
import { parseCorsOrigins } from '../http/cors.js';
import { parseTrustedProxies } from '../http/clientAddress.js';
import { RETRY_SCHEDULE } from '../webhooks/settings.js';
import { DEFAULT_MAX_INFLATED_BYTES } from '../dataleaks/formats.js';
import { PLAN_LIMITS, PLANS, type Plan } from '../core/plans.js';

export interface Config {
  port: number;
  host: string;
  /** PostgreSQL URL; undefined means the embedded database in `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  logLevel: string;
  production: boolean;
  /** Worker processes (`WEB_CONCURRENCY`), with a database server only. */
  workers: number;
  /** Connections per process to the database server (`DB_POOL_SIZE`). */
  poolSize: number;
  /**
   * Streaming replicas of `databaseUrl` that take reads (`DATABASE_REPLICA_URLS`, comma-separated
   * PostgreSQL URLs), the lag past which one is skipped (`REPLICA_MAX_LAG_MS`, default 5000), and
   * how often their replay positions are checked (`REPLICA_CHECK_MS`, default 250).
   */
  replicas: { urls: string[]; maxLagMs: number; checkMs: number };
  /** Requests per minute per API key, by plan (`RATE_LIMIT_FREE`, `RATE_LIMIT_PRO`, `RATE_LIMIT_ENTERPRISE`). */
  rateLimits: Record<Plan, number>;
  /** How long a request may take before it is answered 503 (`REQUEST_TIMEOUT_MS`). */
  requestTimeoutMs: number;
  /** Where Prometheus metrics are served (`METRICS_PORT`, `METRICS_HOST`); off when no port is set. */
  metrics: { port: number; host: string } | undefined;
  /** Origins allowed to call the API from a browser (`CORS_ORIGINS`); empty: no CORS. */
  corsOrigins: string[];
  /** Reverse proxies whose `X-Forwarded-For` names the client (`TRUST_PROXY`); empty: the socket's address. */
  trustedProxies: string[];
  /**
   * Webhooks (docs/api.md §10): `WEBHOOK_SECRET_KEY` (base64 of 32 bytes; else a key file in the data
   * folder), `WEBHOOK_ALLOW_HTTP`, `WEBHOOK_ALLOW_PRIVATE` (`true` to allow; development and
   * tests), `WEBHOOK_RETRY_SCHEDULE` (seconds between attempts, comma-separated).
   */
  webhooks: { secretKey: string | undefined; allowHttp: boolean; allowPrivate: boolean; retrySchedule: number[] };
  /** The most a zip of stealer logs may inflate to in all (`LEAKS_MAX_INFLATED_BYTES`, docs/api.md §12). */
  leaksMaxInflatedBytes: number;
  /**
   * How far the JavaScript heap may grow past what survived the last full collection before the
   * next one (`HEAP_GROWTH_PERCENT`); 0 leaves it to V8, which lets a busy server's heap grow to
   * four times its live data (docs/performance.md, "Memory").
   */
  heapGrowthPercent: number;
  /** Resolvers for domain verification (`DNS_SERVERS`: comma-separated `host[:port]`); empty: the system's. */
  dnsServers: string[];
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: wholeNumber('PORT', env.PORT ?? '4000', 0, 65535),
    host: env.HOST ?? '127.0.0.1',
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: path.resolve(env.DATA_DIR ?? './.data'),
    logLevel: env.LOG_LEVEL ?? 'info',
    production: env.NODE_ENV === 'production',
    workers: wholeNumber('WEB_CONCURRENCY', env.WEB_CONCURRENCY ?? '1', 1, 64),
    poolSize: wholeNumber('DB_POOL_SIZE', env.DB_POOL_SIZE ?? String(DEFAULT_POOL_SIZE), 1, 100),
    replicas: {
      urls: parseReplicaUrls(env.DATABASE_REPLICA_URLS, env.DATABASE_URL),
      maxLagMs: wholeNumber('REPLICA_MAX_LAG_MS', env.REPLICA_MAX_LAG_MS ?? '5000', 0, 3_600_000),
      checkMs: wholeNumber('REPLICA_CHECK_MS', env.REPLICA_CHECK_MS ?? '250', 50, 3_600_000),
    },
    rateLimits: Object.fromEntries(
      PLANS.map((plan) => {
        const name = `RATE_LIMIT_${plan.toUpperCase()}`;
        return [plan, parseRateLimit(name, env[name] ?? String(PLAN_LIMITS[plan].requestsPerMinute))];
      }),
    ) as Record<Plan, number>,
    requestTimeoutMs: parseTimeout(env.REQUEST_TIMEOUT_MS ?? String(DEFAULT_REQUEST_TIMEOUT_MS)),
    metrics: env.METRICS_PORT
      ? { port: wholeNumber('METRICS_PORT', env.METRICS_PORT, 0, 65535), host: env.METRICS_HOST ?? '127.0.0.1' }
      : undefined,
    corsOrigins: parseCorsOrigins(env.CORS_ORIGINS),
    trustedProxies: orThrow(parseTrustedProxies(env.TRUST_PROXY)),
    webhooks: {
      secretKey: env.WEBHOOK_SECRET_KEY || undefined,
      allowHttp: parseFlag(env.WEBHOOK_ALLOW_HTTP, 'WEBHOOK_ALLOW_HTTP'),
      allowPrivate: parseFlag(env.WEBHOOK_ALLOW_PRIVATE, 'WEBHOOK_ALLOW_PRIVATE'),
      retrySchedule: parseSchedule(env.WEBHOOK_RETRY_SCHEDULE),
    },
    leaksMaxInflatedBytes: parseByteCount(
      env.LEAKS_MAX_INFLATED_BYTES,
      'LEAKS_MAX_INFLATED_BYTES',
      DEFAULT_MAX_INFLATED_BYTES,
    ),
    heapGrowthPercent: wholeNumber(
      'HEAP_GROWTH_PERCENT',
      env.HEAP_GROWTH_PERCENT ?? String(DEFAULT_HEAP_GROWTH_PERCENT),
      0,
      1000,
    ),
    dnsServers: parseDnsServers(env.DNS_SERVERS),
  };
}

/** Up to 16 PostgreSQL URLs, comma-separated; only beside a `DATABASE_URL` (the embedded database has no replicas). */
function parseReplicaUrls(value: string | undefined, primary: string | undefined): string[] {
  if (value === undefined || value.trim() === '') return [];
  const urls = value.split(',').map((part) => part.trim());
  const valid = (url: string) => {
    try {
      return ['postgres:', 'postgresql:'].includes(new URL(url).protocol);
    } catch {
      return false;
    }
  };
  // The URLs may hold passwords: the message never repeats them.
  if (urls.length > 16 || !urls.every(valid))
    throw new Error('DATABASE_REPLICA_URLS must be up to 16 comma-separated postgres:// URLs');
  if (!primary) throw new Error('DATABASE_REPLICA_URLS needs DATABASE_URL: replicas are of a PostgreSQL server');
  return urls;
}

/** `1.1.1.1`, `127.0.0.1:5353`, `::1` or `[::1]:53`, comma-separated: IP addresses, as resolvers are named. */
function parseDnsServers(value: string | undefined): string[] {
  if (value === undefined || value.trim() === '') return [];
  const servers = value.split(',').map((part) => part.trim());
  for (const server of servers) {
    const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(server);
    const hostAndPort = /^([^:]+)(?::(\d{1,5}))?$/.exec(server);
    const [host, port] = bracketed
      ? [bracketed[1]!, bracketed[2]]
      : hostAndPort
        ? [hostAndPort[1]!, hostAndPort[2]]
        : [server, undefined];
    if (isIP(host) === 0 || (port !== undefined && Number(port) > 65535) || servers.length > 10) {
      throw new Error(
        `DNS_SERVERS must be up to 10 comma-separated IP addresses, each with an optional port (1.1.1.1, 127.0.0.1:5353, [::1]:53), got ${JSON.stringify(value)}`,
      );
    }
  }
  return servers;
}

/**
 * The server's live heap is about 35 MB; every request's short-lived objects that are still in
 * flight when the young generation is collected move to the old one, and V8, seeing collections
 * cheap, lets that garbage pile up to four times the live size (about 150 MB) before collecting
 * it. At 100 % (twice the live data) the listing's heap stays near 100 MB and nothing measured
 * lost speed; at 50 % the TAXII pages of 100 STIX objects spent their time collecting:
 * their p99 went from 171 to 300 ms (docs/performance.md, "Memory").
 */
const DEFAULT_HEAP_GROWTH_PERCENT = 100;

/** A whole number within [min, max], or an error naming the variable and what it takes. */
function wholeNumber(name: string, value: string, min: number, max: number): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return number;
}

function orThrow<T>(value: T | Error): T {
  if (value instanceof Error) throw value;
  return value;
}

function parseFlag(value: string | undefined, name: string): boolean {
  if (value === undefined || value === '' || value === 'false') return false;
  if (value === 'true') return true;
  throw new Error(`${name} must be true or false, got ${JSON.stringify(value)}`);
}

function parseSchedule(value: string | undefined): number[] {
  if (value === undefined || value.trim() === '') return [...RETRY_SCHEDULE];
  const seconds = value.split(',').map((part) => Number(part.trim()));
  if (seconds.length > 20 || seconds.some((s) => !Number.isFinite(s) || s < 0 || s > 86_400)) {
    throw new Error(
      `WEBHOOK_RETRY_SCHEDULE must be up to 20 comma-separated numbers of seconds from 0 to 86400, got ${JSON.stringify(value)}`,
    );
  }
  return seconds;
}

/**
 * Few connections, on purpose: the `postgres` driver pipelines queries on each connection, and on
 * a 2-core machine a small pool answers more requests per second than a large one (docs/performance.md, "Where the time went";
 * docs/performance.md has this machine's figures).
 */
const DEFAULT_POOL_SIZE = 2;

function parseRateLimit(name: string, value: string): number {
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1_000_000_000) {
    throw new Error(
      `${name} must be a whole number of requests per minute from 1 to 1000000000, got ${JSON.stringify(value)}`,
    );
  }
  return limit;
}

/**
 * Every answer the product gives comes from the database within milliseconds; one that takes
 * this long means the database is hung or unreachable in a way no socket error reports (packets
 * dropped, a stopped server process). The caller gets 503 and may retry.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

function parseTimeout(value: string): number {
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 100 || ms > 600_000) {
    throw new Error(
      `REQUEST_TIMEOUT_MS must be a whole number of milliseconds from 100 to 600000, got ${JSON.stringify(value)}`,
    );
  }
  return ms;
}

/** A whole number of bytes, at least one. */
function parseByteCount(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const bytes = Number(value);
  if (!Number.isSafeInteger(bytes) || bytes < 1)
    throw new Error(`${name} must be a whole number of bytes, got ${JSON.stringify(value)}`);
  return bytes;
}
