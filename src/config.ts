/** Environment -> typed configuration (API.md §8). The one module that reads `process.env`. */
import path from 'node:path';

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
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: parsePort(env.PORT ?? '4000'),
    host: env.HOST ?? '127.0.0.1',
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: path.resolve(env.DATA_DIR ?? './.data'),
    logLevel: env.LOG_LEVEL ?? 'info',
    production: env.NODE_ENV === 'production',
    workers: parseWorkers(env.WEB_CONCURRENCY ?? '1'),
    poolSize: parsePoolSize(env.DB_POOL_SIZE ?? String(DEFAULT_POOL_SIZE)),
  };
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be a whole number from 0 to 65535, got ${JSON.stringify(value)}`);
  }
  return port;
}

function parseWorkers(value: string): number {
  const workers = Number(value);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) {
    throw new Error(`WEB_CONCURRENCY must be a whole number from 1 to 64, got ${JSON.stringify(value)}`);
  }
  return workers;
}

/**
 * Few connections, on purpose: the `postgres` driver pipelines queries on each connection, and on
 * a 2-core machine a small pool answers more requests per second than a large one (PERF-FACTS.md;
 * docs/performance.md has this machine's figures).
 */
const DEFAULT_POOL_SIZE = 2;

function parsePoolSize(value: string): number {
  const size = Number(value);
  if (!Number.isInteger(size) || size < 1 || size > 100) {
    throw new Error(`DB_POOL_SIZE must be a whole number from 1 to 100, got ${JSON.stringify(value)}`);
  }
  return size;
}
