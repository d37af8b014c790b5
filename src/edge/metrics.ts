/**
 * Prometheus metrics (prom-client): requests by route and status, latency, the key cache, argon2
 * runs, the database connections, and the process itself. They are served on their own listener
 * (`METRICS_PORT`, on `METRICS_HOST`, loopback by default), never on the API's port: request
 * rates per route and key-cache figures are for the operator, not for whoever can reach the API.
 * With several workers, the primary process answers for all of them (prom-client's cluster
 * aggregation).
 */
import cluster from 'node:cluster';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AggregatorRegistry,
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  register,
  type Registry,
} from 'prom-client';
import type { KeyVerifier } from '../auth/keyVerifier.js';
import type { ReplicaStatus } from '../db/replicas.js';

export interface Metrics {
  /** One answered request: its route pattern (never the raw path), method, status and duration. */
  observe(route: string, method: string, status: number, seconds: number): void;
  readonly registry: Registry;
}

export interface MetricsSources {
  verifier: KeyVerifier;
  /** Connections per process to the database server (0 for the embedded database). */
  poolSize: number;
  /** The read replicas' state at their last check (none without `DATABASE_REPLICA_URLS`). */
  replicas?: () => ReplicaStatus[];
}

/** Counters whose value lives elsewhere (the verifier's statistics): moved up to it when scraped. */
function mirroredCounter(registry: Registry, name: string, help: string, read: () => number): void {
  let seen = 0;
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const now = read();
      if (now > seen) this.inc(now - seen);
      seen = now;
    },
  });
}

export function createMetrics(sources: MetricsSources, registry: Registry = register): Metrics {
  // A worker answers the primary's requests for its metrics once an aggregator exists in it.
  if (cluster.isWorker) new AggregatorRegistry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'Requests answered, by route pattern, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer a request (to the last byte for streamed answers), by route pattern and method.',
    labelNames: ['route', 'method'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const { stats } = sources.verifier;
  mirroredCounter(
    registry,
    'api_key_cache_hits_total',
    'Keys verified from the in-process cache.',
    () => stats.cacheHits,
  );
  mirroredCounter(
    registry,
    'api_key_cache_misses_total',
    'Keys not in the cache (read from the database, maybe argon2).',
    () => stats.cacheMisses,
  );
  mirroredCounter(
    registry,
    'api_key_argon2_verifications_total',
    'argon2id verifications run.',
    () => stats.argon2Verifications,
  );
  new Gauge({
    name: 'api_key_cache_hit_ratio',
    help: 'Share of key checks served from the cache since the process started (the workers’ average).',
    registers: [registry],
    aggregator: 'average',
    collect() {
      const total = stats.cacheHits + stats.cacheMisses;
      this.set(total === 0 ? 0 : stats.cacheHits / total);
    },
  });
  new Gauge({
    name: 'api_key_cache_entries',
    help: 'Verified keys held in the cache.',
    registers: [registry],
    collect() {
      this.set(sources.verifier.cachedKeys);
    },
  });
  new Gauge({
    name: 'db_pool_max_connections',
    help: 'Connections this process may open to the database server (0: the embedded database).',
    registers: [registry],
    collect() {
      this.set(sources.poolSize);
    },
  });
  new Gauge({
    name: 'db_notifications_connected',
    help: '1 while the notification channel that keeps the key cache true is subscribed (in every worker).',
    registers: [registry],
    aggregator: 'min',
    collect() {
      this.set(sources.verifier.cacheTrusted ? 1 : 0);
    },
  });
  if (sources.replicas) {
    const replicas = sources.replicas;
    new Gauge({
      name: 'db_replica_usable',
      help: '1 while a read replica takes reads (answering, within REPLICA_MAX_LAG_MS), by replica.',
      labelNames: ['replica'] as const,
      registers: [registry],
      aggregator: 'min',
      collect() {
        for (const replica of replicas()) this.labels(replica.name).set(replica.usable ? 1 : 0);
      },
    });
    new Gauge({
      name: 'db_replica_lag_seconds',
      help: 'How far a read replica was behind the primary at its last check, by replica (absent while it does not answer).',
      labelNames: ['replica'] as const,
      registers: [registry],
      aggregator: 'max',
      collect() {
        this.reset();
        for (const replica of replicas())
          if (replica.lagMs !== null) this.labels(replica.name).set(replica.lagMs / 1000);
      },
    });
  }
  return {
    registry,
    observe(route, method, status, seconds) {
      requests.labels(route, method, String(status)).inc();
      duration.labels(route, method).observe(seconds);
    },
  };
}

/** Serves `GET /metrics` on its own port; in a cluster's primary, the sum of every worker's. */
export async function serveMetrics(
  port: number,
  host: string,
  registry: Registry = register,
): Promise<{ server: Server; url: string }> {
  const aggregator =
    cluster.isPrimary && Object.keys(cluster.workers ?? {}).length > 0 ? new AggregatorRegistry() : null;
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const text = aggregator ? aggregator.clusterMetrics() : registry.metrics();
    text.then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      () => res.writeHead(503, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address() as AddressInfo;
  return { server, url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}` };
}
