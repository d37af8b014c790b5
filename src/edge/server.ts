/** Starts the whole server: database, migrations, key cache, HTTP listener; and stops it cleanly. */
import cluster from 'node:cluster';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import { KeyVerifier } from '../auth/keyVerifier.js';
import { KeyRateLimiter } from '../auth/rateLimiter.js';
import { createListener } from '../http/listener.js';
import type { Config } from './config.js';
import { openDatabase, type Database } from '../db/client.js';
import { ReplicaRouter } from '../db/replicas.js';
import { migrateDatabase } from '../db/migrate.js';
import { syncBuiltinLists } from '../iocs/sharedExclusions.js';
import { schema } from './schema.js';
import type { Logger } from '../core/logger.js';
import { createMetrics, serveMetrics } from './metrics.js';
import { startBanner } from './banner.js';
import { createDemoWorkspaceIfEmpty, findDemoWorkspaceId, hasAnyWorkspace } from '../workspaces/demo.js';
import { IocChangeFeed } from '../iocs/changes.js';
import { AlertFeed } from '../alerts/feed.js';
import { loadSecretBox } from '../webhooks/secrets.js';
import { DeliveryWorker } from '../webhooks/worker.js';
import { FeedWorker } from '../feeds/worker.js';
import { LastUsedRecorder } from '../keys/lastUsed.js';
import { serveCommands } from '../cli/commandServer.js';
import { domainRecheckJob } from '../workspaces/recheckJob.js';
import { passwordCountFoldJob } from '../dataleaks/passwordCounts.js';
import { txtLookup } from '../workspaces/domains.js';

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** Connections of the feed pulls (an import writes two batches at once, src/iocs/import.ts). */
const PULL_POOL_SIZE = 2;

/** How long a shutdown waits for requests in flight before it closes their connections. */
const SHUTDOWN_GRACE_MS = 10_000;

export async function startServer(
  config: Config,
  logger: Logger,
  /** Where the start banner and the one-time demo key are printed: the console, not the log. */
  announce: (text: string) => void = (text) => process.stderr.write(text),
): Promise<RunningServer> {
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: config.poolSize,
  });
  const applied = await migrateDatabase(database);
  const replicas = await openReplicas(config, database, logger);
  if (applied.length > 0) logger.info({ applied }, 'migrations applied');
  // The shared feed's built-in exclusion lists follow their files (data/exclusions/).
  const builtins = await syncBuiltinLists(database.db);
  if (builtins.revoked > 0) logger.info({ revoked: builtins.revoked }, 'built-in exclusion lists revoked shared IOCs');
  // The embedded database is this process's alone: the command line beside it hands its commands here.
  const commands = database.kind === 'embedded' ? await serveCommands(config.dataDir, database, logger) : null;

  const demo = database.kind === 'embedded' ? await createDemoWorkspaceIfEmpty(database.db) : null;
  const demoWorkspaceId =
    demo?.workspaceId ?? (database.kind === 'embedded' ? await findDemoWorkspaceId(database.db) : null);
  const noWorkspaceYet = demoWorkspaceId === null && !(await hasAnyWorkspace(database.db));

  const lastUsed = new LastUsedRecorder(database.db, logger);
  lastUsed.start();
  const verifier = new KeyVerifier(database.db, { onVerified: (principal) => lastUsed.record(principal.key.id) });
  await verifier.subscribe(database);
  const rateLimiter = new KeyRateLimiter(database.db, config.rateLimits);
  rateLimiter.start();
  const changes = new IocChangeFeed(database.db, verifier);
  await changes.subscribe(database);
  const alertFeed = new AlertFeed(database.db, verifier);
  await alertFeed.subscribe(database);
  const metrics = config.metrics
    ? createMetrics({
        verifier,
        poolSize: database.kind === 'postgres' ? config.poolSize : 0,
        ...(replicas ? { replicas: () => replicas.status() } : {}),
      })
    : undefined;
  // In a cluster the primary serves the metrics of every worker (src/main.ts).
  const metricsServer =
    config.metrics && cluster.isPrimary ? await serveMetrics(config.metrics.port, config.metrics.host) : undefined;
  if (metricsServer) logger.info({ url: `${metricsServer.url}/metrics` }, 'metrics served');
  const webhooks = {
    secrets: loadSecretBox(config.webhooks.secretKey, config.dataDir),
    policy: { allowHttp: config.webhooks.allowHttp, allowPrivate: config.webhooks.allowPrivate },
    retrySchedule: config.webhooks.retrySchedule,
  };
  const deliveries = new DeliveryWorker(database, webhooks, logger);
  await deliveries.start();
  // Feed pulls (and the password counts' fold) write in statements of thousands of rows: on
  // connections of their own, so that they never queue a request's statement behind one of theirs.
  const pullDatabase =
    database.kind === 'postgres'
      ? await openDatabase({
          databaseUrl: config.databaseUrl,
          poolSize: PULL_POOL_SIZE,
          applicationName: 'threat-intel-api feed pulls',
        })
      : database;
  const feedPulls = new FeedWorker(pullDatabase, webhooks, logger);
  await feedPulls.start();
  const countFolds = passwordCountFoldJob(pullDatabase, logger);
  countFolds.start();
  const domainRechecks = domainRecheckJob(database.db, txtLookup(config.dnsServers), logger, (workspaceId) =>
    verifier.invalidate(`workspace:${workspaceId}`),
  );
  domainRechecks.start();

  const app = createApp({
    webhooks,
    database,
    replicas,
    schema,
    gatekeeper: { verifier, rateLimiter },
    changes,
    alerts: alertFeed,
    metrics,
    logger,
    production: config.production,
    requestTimeoutMs: config.requestTimeoutMs,
    corsOrigins: config.corsOrigins,
    trustedProxies: config.trustedProxies,
    dnsServers: config.dnsServers,
    metricsUrl: config.metrics ? `http://${config.metrics.host}:${config.metrics.port}/metrics` : undefined,
  });
  const server = createListener((req, res) => app.handleNode(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  // One banner per start, from the first process only (never the log: it may hold the demo key),
  // before the `listening` line that tools wait for.
  if (cluster.isPrimary || cluster.worker?.id === 1) {
    announce(
      startBanner({
        url,
        production: config.production,
        metricsUrl: metricsServer
          ? `${metricsServer.url}/metrics`
          : config.metrics
            ? `http://${config.metrics.host}:${config.metrics.port}/metrics`
            : undefined,
        database: database.kind === 'embedded' ? `embedded database in ${config.dataDir}` : 'PostgreSQL',
        embedded: database.kind === 'embedded',
        demoWorkspaceId,
        demoKey: demo?.key ?? null,
        noWorkspaceYet,
      }),
    );
  }
  logger.info({ url, database: database.kind }, 'listening');

  return {
    url,
    async close() {
      // Event streams never end by themselves: end them, then wait for the other requests.
      changes.close();
      alertFeed.close();
      await deliveries.close();
      await feedPulls.close();
      await countFolds.stop();
      if (pullDatabase !== database) await pullDatabase.close();
      await replicas?.close();
      await domainRechecks.stop();
      metricsServer?.server.close();
      await Promise.all([stopAccepting(server), commands?.close(SHUTDOWN_GRACE_MS)]);
      rateLimiter.stop();
      await lastUsed.stop();
      await database.close();
    },
  };
}

/** Stops accepting connections and waits (bounded) for the requests in flight to finish. */
function stopAccepting(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/**
 * The read replicas of `DATABASE_REPLICA_URLS`, named `replica 1`, `replica 2`… in logs (their URLs
 * may hold passwords), each with a pool of `DB_POOL_SIZE` connections; null without replicas.
 */
async function openReplicas(config: Config, database: Database, logger: Logger): Promise<ReplicaRouter | null> {
  if (config.replicas.urls.length === 0 || database.kind !== 'postgres') return null;
  const replicas = await Promise.all(
    config.replicas.urls.map(async (url, i) => ({
      name: `replica ${i + 1}`,
      database: await openDatabase({ databaseUrl: url, poolSize: config.poolSize }),
    })),
  );
  const router = new ReplicaRouter(database.db, replicas, {
    maxLagMs: config.replicas.maxLagMs,
    pollMs: config.replicas.checkMs,
    logger,
  });
  await router.start();
  logger.info({ replicas: router.status() }, 'read replicas');
  return router;
}
