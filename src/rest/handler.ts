/**
 * Serves `/api/v1/*` (API.md §6): authenticates like GraphQL does, finds the route in the table,
 * turns path, query and body into variables, runs the route's GraphQL operation, and answers in
 * the route's dialect. It adds no authorization rule of its own.
 */
import type { GraphQLSchema } from 'graphql';
import { authenticate } from '../auth/authenticate.js';
import type { KeyVerifier } from '../auth/keyVerifier.js';
import type { Db } from '../db/client.js';
import { ApiError, asApiError, invalidParameter } from '../errors.js';
import { createContext } from '../graphql/context.js';
import type { RequestState } from '../requestState.js';
import { dialectForPath, errorResponse, jsonResponse } from './dialects.js';
import { at, bodyError, prepareRoutes, restView, run, toRestShape, type PreparedRoute } from './operations.js';
import { readParams, renameParameter } from './params.js';
import { ROUTES, type RestRoute } from './routes.js';

/** Request bodies above this size are refused (the largest documented body, a 1000-value lookup, fits). */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface RestHandlerOptions {
  schema: GraphQLSchema;
  db: Db;
  verifier: KeyVerifier;
  routes?: readonly RestRoute[];
}

export function createRestHandler(options: RestHandlerOptions) {
  const schema = restView(options.schema);
  const prepared = prepareRoutes(schema, options.routes ?? ROUTES);

  return async function handleRest(request: Request, url: URL, state: RequestState): Promise<Response> {
    const dialect = dialectForPath(url.pathname);
    let route: PreparedRoute | undefined;
    try {
      const principal = await authenticate(request, url, options.verifier);
      state.principal = principal;

      const candidates = prepared
        .map((p) => ({ p, values: p.match(url.pathname) }))
        .filter((c): c is { p: PreparedRoute; values: Record<string, string> } => c.values !== null);
      const chosen = candidates.find((c) => c.p.route.method === request.method);
      if (!chosen) {
        if (candidates.length === 0) throw new ApiError('not_found');
        const allow = candidates.map((c) => c.p.route.method).join(', ');
        const response = errorResponse(new ApiError('method_not_allowed'), dialect, state.requestId);
        response.headers.set('allow', allow);
        return response;
      }
      route = chosen.p;

      const variables = readParams(route.route.params, chosen.values, url.searchParams);
      if (route.route.body) Object.assign(variables, route.route.body.toVariables(await readJsonBody(request, route)));
      const data = await run(schema, route, createContext(state.requestId, principal, options.db), variables);
      return answer(route.route, data, variables);
    } catch (error) {
      const apiError = asApiError(error);
      const named = route ? renameParameter(apiError, route.route.params, { first: 'limit', after: 'cursor' }) : apiError;
      return errorResponse(named, dialect, state.requestId);
    }
  };
}

async function readJsonBody(request: Request, route: PreparedRoute): Promise<Record<string, unknown>> {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > MAX_BODY_BYTES) throw invalidParameter('body', `must be at most ${MAX_BODY_BYTES} bytes.`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      if (size > MAX_BODY_BYTES) throw invalidParameter('body', `must be at most ${MAX_BODY_BYTES} bytes.`);
      chunks.push(chunk);
    }
  }
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks)));
  } catch {
    throw invalidParameter('body', 'is not valid JSON.');
  }
  if (!route.checkBody!(body)) throw bodyError(route.checkBody!.errors);
  return body as Record<string, unknown>;
}

function answer(route: RestRoute, data: unknown, variables: Record<string, unknown>): Response {
  const { response } = route;
  switch (response.kind) {
    case 'empty':
      return jsonResponse(null, 204);
    case 'object': {
      const value = at(data, response.field);
      if (value === null || value === undefined) throw new ApiError('not_found');
      return json({ data: toRestShape(value) }, response.status);
    }
    case 'list':
      return json({ data: toRestShape(at(data, response.field)) }, 200);
    case 'page': {
      const page = at(data, response.field) as {
        edges: { node: unknown }[];
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
      return json(
        {
          data: page.edges.map((edge) => toRestShape(edge.node)),
          pagination: {
            limit: variables.first,
            next_cursor: page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null,
            has_more: page.pageInfo.hasNextPage,
          },
        },
        200,
      );
    }
  }
}

function json(body: unknown, status: number): Response {
  return jsonResponse(JSON.stringify(body), status);
}
