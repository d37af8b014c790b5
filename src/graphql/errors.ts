/**
 * How GraphQL errors leave the server, whichever adapter served the request (src/graphql/pipeline.ts):
 * §4 codes in `extensions.code`, the request id in `extensions.request_id`, anything unexpected
 * masked and logged.
 */
import { GraphQLError } from 'graphql';
import { asApiError, isErrorCode } from '../core/errors.js';
import type { Logger } from '../core/logger.js';

/**
 * Keeps errors the client caused (§4 `ApiError`s, and GraphQL's own syntax and validation errors)
 * and replaces everything else by `unavailable` or `internal_error`, logging the original.
 */
export function maskError(error: unknown, logger: Logger, requestId?: string): GraphQLError {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (error instanceof GraphQLError && (!original || original instanceof GraphQLError)) return error;
  const apiError = asApiError(original);
  // Every 500 is logged with its request id (docs/api.md §12), never answered with its details.
  if (apiError.code === 'internal_error') logger.error({ err: original, request_id: requestId }, 'unexpected error');
  return new GraphQLError(apiError.message, {
    originalError: apiError,
    // A lost database answers the whole request 503, as REST does.
    extensions: {
      code: apiError.code,
      ...(apiError.code === 'unavailable' ? { http: { status: 503, headers: { 'retry-after': '1' } } } : {}),
    },
    ...(error instanceof GraphQLError ? { nodes: error.nodes, path: error.path } : {}),
  });
}

/** An error raised before execution answers the whole request with its §4 status and no data. */
export function asHttpError(error: GraphQLError, requestId: string): GraphQLError {
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
 * graphql-js suggests names close to a wrong one ("Did you mean "iocs"?"): with introspection
 * off, that would hand out the schema a field or enum value at a time.
 */
const SUGGESTION = / ?Did you mean [^?]*\?/g;

/**
 * The request id on an error, a §4 code, and no suggestions of names. Every error of every result
 * passes here, on both GraphQL paths, after masking: what still has no §4 code is GraphQL's own
 * complaint about the request (syntax, validation, variables that do not fit), the caller's doing.
 */
export function withRequestId(error: GraphQLError, requestId: string): GraphQLError {
  const code = isErrorCode(error.extensions?.code) ? error.extensions.code : 'invalid_parameter';
  return new GraphQLError(error.message.replace(SUGGESTION, ''), {
    nodes: error.nodes,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, code, request_id: requestId },
  });
}

/** The JSON of an error as it leaves: no `http` extension, which only steers the status, nor Yoga's parser error. */
export function publicError(error: GraphQLError): Record<string, unknown> {
  const { http: _http, originalError: _parserError, ...extensions } = error.extensions ?? {};
  return {
    message: error.message,
    ...(error.locations ? { locations: error.locations } : {}),
    ...(error.path ? { path: error.path } : {}),
    ...(Object.keys(extensions).length > 0 ? { extensions } : {}),
  };
}
