/**
 * Every request enters here: request id, one log line, then health checks, REST, or GraphQL.
 * Two transports share one `handle`: `handleNode` for the server (the hot paths never build
 * WHATWG objects) and `fetch` for tests and tools. Nothing starts on import.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServerAdapter } from '@whatwg-node/server';
import type { GraphQLSchema } from 'graphql';
import type { Gatekeeper } from './auth/authenticate.js';
import { rateLimitHeaders } from './auth/rateLimiter.js';
import type { Database } from './db/client.js';
import type { IocChangeFeed } from './iocs/changes.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from './config.js';
import { createConsoleHandler } from './console.js';
import { ApiError, asApiError } from './errors.js';
import { createGraphQLFastPath, isFastPathCandidate, MAX_GRAPHQL_BODY_BYTES } from './graphql/fastPath.js';
import { failedRequestAnswer } from './graphql/errors.js';
import { createGraphQLHandler } from './graphql/yoga.js';
import { fromNode, fromRequest, isFetchResponse, json, toResponse, writeOutgoing, writeResponse, type Incoming, type Outgoing } from './http/exchange.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { RequestState } from './requestState.js';
import { dialectForPath, errorAnswer } from './rest/dialects.js';
import { createRestHandler } from './rest/handler.js';
import { buildOpenApiDocument } from './rest/openapi.js';

export interface AppOptions {
  database: Database;
  schema: GraphQLSchema;
  gatekeeper: Gatekeeper;
  /** New and changed IOCs, for subscriptions and the REST event stream. */
  changes: IocChangeFeed;
  logger: Logger;
  production: boolean;
  /** How long a request may take before it is answered 503 `unavailable` (a hung database). */
  requestTimeoutMs?: number;
  /** Where each answered request is counted, when metrics are on. */
  metrics?: Metrics;
}


/**
 * `req_` and 24 hex digits from the CSPRNG: unique per request, safe to show and to log.
 * `randomUUID` draws from a buffered pool of entropy, far cheaper per call than `randomBytes`.
 */
export function newRequestId(): string {
  const uuid = randomUUID();
  return `req_${uuid.slice(0, 8)}${uuid.slice(9, 13)}${uuid.slice(15, 18)}${uuid.slice(19, 23)}${uuid.slice(24, 29)}`;
}

/** Paths answered as they are; their own names are their route in metrics. */
const KNOWN_PATHS = new Set(['/graphql', '/healthz', '/readyz', '/api/v1/openapi.json', '/console/']);

export function createApp(options: AppOptions) {
  const { database, logger, gatekeeper, schema } = options;
  const db = database.db;
  const yoga = createGraphQLHandler({ ...options, db });
  const fastGraphQL = createGraphQLFastPath({ schema, db, changes: options.changes, gatekeeper, logger, production: options.production });
  const rest = createRestHandler({ schema, db, changes: options.changes, gatekeeper });
  const openApi = JSON.stringify(buildOpenApiDocument(schema));
  const serveConsole = createConsoleHandler();

  async function route(request: Incoming, state: RequestState): Promise<Outgoing | Response> {
    const path = request.url.pathname;
    if (KNOWN_PATHS.has(path)) state.route = path;
    else if (path === '/api/v1' || path.startsWith('/api/v1/')) state.route = '/api/v1/*';
    else if (path.startsWith('/console/')) state.route = '/console/*';
    if (path === '/graphql') {
      if (!isFastPathCandidate(request)) return yoga.fetch(request.toRequest(), { requestState: state });
      const body = await request.body(MAX_GRAPHQL_BODY_BYTES);
      return (await fastGraphQL(request, body, state)) ?? yoga.fetch(request.toRequest(body), { requestState: state });
    }
    if (path === '/api/v1/openapi.json' && request.method === 'GET') return json(openApi, 200);
    if (path === '/api/v1' || path.startsWith('/api/v1/')) return rest(request, state);
    if (path === '/console' || path.startsWith('/console/')) return serveConsole(request.method, path);
    if (path === '/healthz') return json('{"status":"ok"}', 200);
    if (path === '/readyz') return readiness(database);
    return errorAnswer(new ApiError('not_found'), 'soc', state.requestId);
  }

  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const timedOut = () => new ApiError('unavailable', undefined, { retryAfter: 1 });

  async function handle(request: Incoming, state: RequestState): Promise<Outgoing | Response> {
    try {
      return await withTimeout(route(request, state), requestTimeoutMs, timedOut);
    } catch (error) {
      if (request.url.pathname === '/graphql') return failedRequestAnswer(error, state.requestId, logger);
      const apiError = asApiError(error);
      if (apiError.code === 'internal_error') logger.error({ err: error, request_id: state.requestId }, 'unhandled error');
      return errorAnswer(apiError, dialectForPath(request.url.pathname), state.requestId);
    }
  }

  function logRequest(request: Incoming, state: RequestState, status: number, started: number): void {
    options.metrics?.observe(state.route ?? 'unmatched', request.method, status, (performance.now() - started) / 1000);
    logger.info({
      method: request.method,
      // The path only: a query string may hold a key (API.md §3).
      path: request.url.pathname,
      status,
      duration_ms: Math.round((performance.now() - started) * 100) / 100,
      request_id: state.requestId,
      key_prefix: state.principal?.key.prefix,
      workspace_id: state.principal?.workspace.id,
    });
  }

  const adapter = createServerAdapter(async (fetchRequest: Request): Promise<Response> => {
    const started = performance.now();
    const state: RequestState = { requestId: newRequestId() };
    const request = fromRequest(fetchRequest);
    const result = await handle(request, state);
    const response = isFetchResponse(result) ? result : toResponse(result);
    for (const [name, value] of Object.entries(answerHeaders(state))) response.headers.set(name, value);
    logRequest(request, state, response.status, started);
    return response;
  });

  return {
    /** The fetch API entry: `app.fetch(new Request(…))`. */
    fetch: (request: Request) => Promise.resolve(adapter.fetch(request)),
    /** The `node:http` request listener. */
    async handleNode(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const started = performance.now();
      const state: RequestState = { requestId: newRequestId(), clientAddress: req.socket.remoteAddress };
      let request: Incoming;
      try {
        request = fromNode(req);
      } catch {
        void writeOutgoing(res, errorAnswer(new ApiError('invalid_parameter', 'The request URL is malformed.'), 'soc', state.requestId), answerHeaders(state));
        return;
      }
      try {
        const result = await handle(request, state);
        if (isFetchResponse(result)) await writeResponse(res, result, answerHeaders(state));
        else await writeOutgoing(res, result, answerHeaders(state));
      } catch (error) {
        // Only a broken connection gets here (handle answers every error itself).
        logger.warn({ err: error, request_id: state.requestId }, 'answer not delivered');
        if (!res.headersSent) void writeOutgoing(res, errorAnswer(new ApiError('internal_error'), 'soc', state.requestId), answerHeaders(state));
        else res.destroy();
      }
      logRequest(request, state, res.statusCode, started);
    },
  };
}

/** The headers every answer carries: its request id and, once a key was admitted, its rate limit. */
function answerHeaders(state: RequestState): Record<string, string> {
  const headers = state.rateLimit ? rateLimitHeaders(state.rateLimit) : {};
  headers['x-request-id'] = state.requestId;
  return headers;
}

async function readiness(database: Database): Promise<Outgoing> {
  try {
    await withTimeout(database.ping(), 2000, () => new Error('no answer from the database'));
    return json('{"status":"ready"}', 200);
  } catch {
    return json('{"status":"not_ready","reason":"database unreachable"}', 503);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, failure: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(failure()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
