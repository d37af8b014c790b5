/**
 * The fetch handler for the whole server: request id, one log line per request, health checks,
 * then GraphQL (and, later, the REST layer). Nothing starts on import; `createApp` wires it.
 */
import { randomBytes } from 'node:crypto';
import { createServerAdapter } from '@whatwg-node/server';
import type { GraphQLSchema } from 'graphql';
import type { KeyVerifier } from './auth/keyVerifier.js';
import type { Database } from './db/client.js';
import { ApiError, asApiError } from './errors.js';
import { dialectForPath, errorResponse, jsonResponse } from './rest/dialects.js';
import { createRestHandler } from './rest/handler.js';
import { buildOpenApiDocument } from './rest/openapi.js';
import { createGraphQLHandler } from './graphql/yoga.js';
import type { Logger } from './logger.js';
import type { RequestState } from './requestState.js';

export interface AppOptions {
  database: Database;
  schema: GraphQLSchema;
  verifier: KeyVerifier;
  logger: Logger;
  production: boolean;
}

/** `req_` and 24 hex digits from the CSPRNG: unique per request, safe to show and to log. */
export function newRequestId(): string {
  return `req_${randomBytes(12).toString('hex')}`;
}

export function createApp(options: AppOptions) {
  const { database, logger, verifier } = options;
  const graphql = createGraphQLHandler({ ...options, db: database.db });
  const rest = createRestHandler({ schema: options.schema, db: database.db, verifier });
  const openApi = JSON.stringify(buildOpenApiDocument(options.schema));

  async function route(request: Request, url: URL, state: RequestState): Promise<Response> {
    const path = url.pathname;
    if (path === '/graphql') return graphql.fetch(request, { requestState: state });
    if (path === '/healthz') return jsonResponse('{"status":"ok"}', 200);
    if (path === '/readyz') return readiness(database);
    if (path === '/api/v1/openapi.json' && request.method === 'GET') {
      return jsonResponse(openApi, 200);
    }
    if (path === '/api/v1' || path.startsWith('/api/v1/')) return rest(request, url, state);
    return errorResponse(new ApiError('not_found'), 'soc', state.requestId);
  }

  return createServerAdapter(async (request: Request): Promise<Response> => {
    const started = performance.now();
    const state: RequestState = { requestId: newRequestId() };
    const url = new URL(request.url);
    let response: Response;
    try {
      response = await route(request, url, state);
    } catch (error) {
      const apiError = asApiError(error);
      if (apiError.code === 'internal_error') logger.error({ err: error, request_id: state.requestId }, 'unhandled error');
      response = errorResponse(apiError, dialectForPath(url.pathname), state.requestId);
    }
    response.headers.set('x-request-id', state.requestId);
    logger.info({
      method: request.method,
      // The path only: a query string may hold a key (API.md §3).
      path: url.pathname,
      status: response.status,
      duration_ms: Math.round((performance.now() - started) * 100) / 100,
      request_id: state.requestId,
      key_prefix: state.principal?.key.prefix,
      workspace_id: state.principal?.workspace.id,
    });
    return response;
  });
}

async function readiness(database: Database): Promise<Response> {
  try {
    await withTimeout(database.ping(), 2000);
    return jsonResponse('{"status":"ready"}', 200);
  } catch {
    return jsonResponse('{"status":"not_ready","reason":"database unreachable"}', 503);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
