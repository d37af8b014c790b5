/**
 * The configured Yoga handler. Authentication happens in context creation: a request whose key
 * fails is answered with HTTP 401 (or the §4 status) and no `data`. Every error leaves with a §4
 * code and the request id; anything unexpected is masked.
 */
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { createYoga, type Plugin } from 'graphql-yoga';
import { authenticate } from '../auth/authenticate.js';
import type { KeyVerifier } from '../auth/keyVerifier.js';
import type { Db } from '../db/client.js';
import { asApiError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { RequestState } from '../requestState.js';
import { createContext, type Context } from './context.js';

export interface GraphQLHandlerOptions {
  schema: GraphQLSchema;
  db: Db;
  verifier: KeyVerifier;
  logger: Logger;
  production: boolean;
}

/** What the HTTP layer hands to Yoga with each request. */
export interface ServerContext {
  requestState: RequestState;
}

export function createGraphQLHandler(options: GraphQLHandlerOptions) {
  const { db, verifier, logger } = options;
  return createYoga<ServerContext, Context>({
    schema: options.schema,
    graphqlEndpoint: '/graphql',
    graphiql: !options.production,
    landingPage: false,
    logging: false,
    maskedErrors: { maskError: (error) => maskError(error, logger) },
    plugins: [requestIdOnErrors()],
    context: async ({ request, requestState }): Promise<Context> => {
      try {
        const principal = await authenticate(request, new URL(request.url), verifier);
        requestState.principal = principal;
        return createContext(requestState.requestId, principal, db);
      } catch (error) {
        throw asHttpError(maskError(error, logger), requestState.requestId);
      }
    },
  });
}

/**
 * Keeps errors the client caused (§4 `ApiError`s, and GraphQL's own syntax and validation errors)
 * and replaces everything else by `unavailable` or `internal_error`, logging the original.
 */
function maskError(error: unknown, logger: Logger): GraphQLError {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (error instanceof GraphQLError && (!original || original instanceof GraphQLError)) return error;
  const apiError = asApiError(original);
  if (apiError.code === 'internal_error') logger.error({ err: original }, 'unexpected error');
  return new GraphQLError(apiError.message, {
    originalError: apiError,
    // A lost database answers the whole request 503, as REST does.
    extensions: { code: apiError.code, ...(apiError.code === 'unavailable' ? { http: { status: 503, headers: { 'retry-after': '1' } } } : {}) },
    ...(error instanceof GraphQLError ? { nodes: error.nodes, path: error.path } : {}),
  });
}

/** An error raised before execution answers the whole request with its §4 status and no data. */
function asHttpError(error: GraphQLError, requestId: string): GraphQLError {
  const apiError = asApiError(error);
  const headers = apiError.retryAfter === undefined ? undefined : { 'retry-after': String(apiError.retryAfter) };
  return new GraphQLError(apiError.message, {
    extensions: {
      ...apiError.extensions,
      request_id: requestId,
      http: { status: apiError.status, ...(headers && { headers }) },
    },
  });
}

/**
 * Adds `extensions.request_id` to every error of a result, and speaks the §4 vocabulary for
 * variables that do not fit their declared types.
 */
function requestIdOnErrors(): Plugin<Record<string, never>, ServerContext> {
  return {
    onResultProcess({ result, setResult, serverContext }) {
      if (Array.isArray(result) || Symbol.asyncIterator in result || !result.errors?.length) return;
      const requestId = serverContext.requestState.requestId;
      setResult({
        ...result,
        errors: result.errors.map((error) => {
          const code = error.extensions?.code === 'BAD_USER_INPUT' ? 'invalid_parameter' : error.extensions?.code;
          return new GraphQLError(error.message, {
            nodes: error.nodes,
            path: error.path,
            originalError: error.originalError,
            extensions: { ...error.extensions, code, request_id: requestId },
          });
        }),
      });
    },
  };
}
