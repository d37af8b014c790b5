/**
 * Process entry: configuration, the server, and a clean stop on SIGTERM or SIGINT.
 * `WEB_CONCURRENCY=N` runs N worker processes on one port (node:cluster); each keeps its own key
 * cache, kept true by the database's notifications.
 */
import cluster from 'node:cluster';
import { setFlagsFromString } from 'node:v8';
import { loadConfig } from './edge/config.js';
import { createLogger } from './core/logger.js';
import { serveMetrics } from './edge/metrics.js';
import { startServer } from './edge/server.js';

const config = loadConfig();
const logger = createLogger(config.logLevel);
// Read by V8 at every full collection, so it takes effect from here on (docs/performance.md, "Memory").
if (config.heapGrowthPercent > 0) setFlagsFromString(`--heap-growing-percent=${config.heapGrowthPercent}`);

// Listen for signals before anything starts: a stop asked for during start-up waits for it.
const stopSignal = new Promise<string>((resolve) => {
  process.once('SIGTERM', () => resolve('SIGTERM'));
  process.once('SIGINT', () => resolve('SIGINT'));
});

async function runWorker(): Promise<void> {
  try {
    const server = await startServer(config, logger);
    const signal = await stopSignal;
    logger.info({ signal }, 'shutting down');
    await server.close();
    process.exit(0);
  } catch (error) {
    logger.fatal({ err: error }, 'could not start or stop cleanly');
    process.exit(1);
  }
}

async function runPrimary(workers: number): Promise<void> {
  logger.info({ workers }, 'starting workers');
  let stopping = false;
  for (let i = 0; i < workers; i++) cluster.fork();
  if (config.metrics) {
    const { url } = await serveMetrics(config.metrics.port, config.metrics.host);
    logger.info({ url: `${url}/metrics` }, 'metrics of every worker served');
  }
  cluster.on('exit', (worker, code) => {
    if (stopping) return;
    logger.error({ worker: worker.process.pid, code }, 'worker exited; starting another');
    cluster.fork();
  });
  const signal = await stopSignal;
  stopping = true;
  logger.info({ signal }, 'stopping workers');
  const exits = Object.values(cluster.workers ?? {}).map(
    (worker) => new Promise<number>((resolve) => worker!.once('exit', (code) => resolve(code))),
  );
  for (const worker of Object.values(cluster.workers ?? {})) worker!.process.kill('SIGTERM');
  const codes = await Promise.all(exits);
  process.exit(codes.every((code) => code === 0) ? 0 : 1);
}

if (cluster.isPrimary && config.workers > 1) {
  if (config.databaseUrl) await runPrimary(config.workers);
  else {
    // The embedded database lives in this process and admits no other.
    logger.warn({ requested: config.workers }, 'WEB_CONCURRENCY ignored: the embedded database allows one process');
    await runWorker();
  }
} else {
  await runWorker();
}
