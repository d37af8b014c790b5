/**
 * One place to stand up the app for a test file: a fresh database, the real key verifier
 * subscribed to it, the fetch handler, captured log lines, and helpers to make workspaces and keys.
 */
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createApp, type AppOptions } from '../../src/edge/app.js';
import { createListener } from '../../src/http/listener.js';
import { KeyVerifier, type KeyVerifierOptions } from '../../src/auth/keyVerifier.js';
import { KeyRateLimiter } from '../../src/auth/rateLimiter.js';
import { PERMISSIONS, type Permission } from '../../src/core/permissions.js';
import { schema } from '../../src/edge/schema.js';
import { createMetrics } from '../../src/edge/metrics.js';
import type { Registry } from 'prom-client';
import { IocChangeFeed } from '../../src/iocs/changes.js';
import { CLI_ACTOR } from '../../src/keys/audit.js';
import { LastUsedRecorder } from '../../src/keys/lastUsed.js';
import { createApiKey } from '../../src/keys/service.js';
import { createLogger } from '../../src/core/logger.js';
import { AlertFeed } from '../../src/alerts/feed.js';
import type { OpenAnswers } from '../../src/http/openAnswers.js';
import { addScopeEntry, createWorkspace } from '../../src/workspaces/service.js';
import type { Plan } from '../../src/core/plans.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export interface TestApp extends TestDatabase {
  fetch(path: string, init?: RequestInit): Promise<Response>;
  verifier: KeyVerifier;
  rateLimiter: KeyRateLimiter;
  /** The IOC change feed the app's streams read. */
  changes: IocChangeFeed;
  /** The alert feed the app's streams read. */
  alerts: AlertFeed;
  /** The streams, exports and envelopes open per caller in the app. */
  openAnswers: OpenAnswers;
  lastUsed: LastUsedRecorder;
  /** Every log line written so far, as text. */
  logs: string[];
  createWorkspace(options?: {
    plan?: Plan;
    billingStatus?: 'active' | 'past_due' | 'canceled';
    scope?: { domains?: string[]; emails?: string[]; bins?: string[] };
  }): Promise<{ id: string }>;
  createKey(
    workspaceId: string,
    options?: { permissions?: readonly Permission[]; expiresInDays?: number },
  ): Promise<{ id: string; key: string; prefix: string }>;
  /** Serves the app on a loopback port (a real HTTP server) until `close`. */
  listen(): Promise<{ url: string; close(): Promise<void> }>;
  /** POSTs a GraphQL document with the key in the Authorization header. */
  graphql(
    key: string | null,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<{ status: number; body: GraphQLBody; requestId: string | null }>;
  close(): Promise<void>;
}

export interface GraphQLBody {
  // Tests read answers whose shape their assertions check.
  data?: Record<string, any> | null;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, unknown> }>;
}

/** Rate limits far above what a test sends, unless a test asks for its own. */
const GENEROUS_LIMITS: Record<Plan, number> = { free: 100_000, pro: 100_000, enterprise: 100_000 };

export type TestAppOptions = {
  production?: boolean;
  verifier?: KeyVerifierOptions;
  rateLimits?: Record<Plan, number>;
  /** How old a change must be before streams send it (src/iocs/changes.ts). */
  settleMs?: number;
  /** Count requests in this registry (as METRICS_PORT does in the server). */
  metrics?: Registry;
  /** Anything else the app takes: the GraphQL adapter, CORS origins, limits. */
  app?: Partial<
    Pick<
      AppOptions,
      | 'graphqlAdapter'
      | 'corsOrigins'
      | 'trustedProxies'
      | 'openAnswerLimits'
      | 'stalledReaderMs'
      | 'requestTimeoutMs'
      | 'webhooks'
      | 'dnsServers'
    >
  >;
};

export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const testDatabase = await createTestDatabase();
  try {
    return await assembleTestApp(testDatabase, options);
  } catch (error) {
    // A set-up that throws never reaches the test file's clean-up: leave no database behind.
    await testDatabase.drop();
    throw error;
  }
}

async function assembleTestApp(testDatabase: TestDatabase, options: TestAppOptions): Promise<TestApp> {
  const { database } = testDatabase;
  const logs: string[] = [];
  const logger = createLogger(
    'debug',
    new Writable({
      write(chunk, _encoding, done) {
        logs.push(String(chunk));
        done();
      },
    }),
  );
  const lastUsed = new LastUsedRecorder(database.db, logger);
  const verifier = new KeyVerifier(database.db, {
    onVerified: (principal) => lastUsed.record(principal.key.id),
    ...options.verifier,
  });
  await verifier.subscribe(database);
  const rateLimiter = new KeyRateLimiter(database.db, options.rateLimits ?? GENEROUS_LIMITS);
  const changes = new IocChangeFeed(database.db, verifier, options.settleMs);
  await changes.subscribe(database);
  const alerts = new AlertFeed(database.db, verifier);
  await alerts.subscribe(database);
  const metrics = options.metrics ? createMetrics({ verifier, poolSize: 5 }, options.metrics) : undefined;
  const app = createApp({
    database,
    schema,
    gatekeeper: { verifier, rateLimiter },
    changes,
    alerts,
    metrics,
    logger,
    production: options.production ?? false,
    ...options.app,
  });
  let workspaces = 0;

  const fetch: TestApp['fetch'] = (path, init) =>
    Promise.resolve(app.fetch(new Request(`http://localhost${path}`, init)));

  return {
    ...testDatabase,
    fetch,
    verifier,
    rateLimiter,
    changes,
    alerts,
    openAnswers: app.openAnswers,
    lastUsed,
    logs,
    async createWorkspace(options = {}) {
      const workspace = await createWorkspace(database.db, {
        name: `Workspace ${++workspaces}`,
        plan: options.plan ?? 'enterprise',
        billingStatus: options.billingStatus ?? 'active',
      });
      const { domains = [], emails = [], bins = [] } = options.scope ?? {};
      for (const value of domains) await addScopeEntry(database.db, workspace.id, 'domain', value);
      for (const value of emails) await addScopeEntry(database.db, workspace.id, 'email', value);
      for (const value of bins) await addScopeEntry(database.db, workspace.id, 'bin', value);
      return { id: workspace.id };
    },
    async createKey(workspaceId, options = {}) {
      const { apiKey, secret } = await createApiKey(database.db, {
        workspaceId,
        name: 'test key',
        permissions: options.permissions ?? PERMISSIONS,
        expiresInDays: options.expiresInDays,
        grantor: null,
        actor: CLI_ACTOR,
      });
      return { id: apiKey.id, key: secret, prefix: apiKey.prefix };
    },
    async listen() {
      const server = createListener((req, res) => app.handleNode(req, res));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      return {
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
          }),
      };
    },
    async graphql(key, query, variables) {
      const response = await fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key === null ? {} : { authorization: `Bearer ${key}` }) },
        body: JSON.stringify({ query, variables }),
      });
      return {
        status: response.status,
        body: (await response.json()) as GraphQLBody,
        requestId: response.headers.get('x-request-id'),
      };
    },
    async close() {
      changes.close();
      alerts.close();
      await testDatabase.drop();
    },
  };
}
