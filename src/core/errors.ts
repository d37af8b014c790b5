/**
 * The one error vocabulary (docs/api.md §4), shared by GraphQL (`extensions.code`) and both REST
 * dialects. Resolvers and services throw `ApiError`; the transport decides how it is printed.
 */
import { GraphQLError } from 'graphql';
import { isDatabaseUnavailable } from './faults.js';

export const ERRORS = {
  missing_api_key: {
    status: 401,
    message:
      'API key is required. Include it in the Authorization header as "Bearer sk_live_..." or in the X-API-Key header.',
    defendis: 'Missing API key',
  },
  invalid_api_key: {
    status: 401,
    message: 'The API key is not valid. Check it for typos or extra characters.',
    defendis: 'Invalid or revoked API key',
  },
  expired_api_key: {
    status: 401,
    message: 'The API key has been revoked or has expired. Create a new key in Settings → API Keys.',
    defendis: 'Invalid or revoked API key',
  },
  api_key_in_query: {
    status: 400,
    message:
      'API keys must not be sent in the URL query string. Send the key in the Authorization or X-API-Key header.',
    defendis: 'API keys must not be sent in the URL query string; send the key in the Authorization header.',
  },
  missing_parameter: {
    status: 400,
    message: 'A required parameter is missing.',
    defendis: 'Missing required parameter',
  },
  invalid_parameter: { status: 400, message: 'A parameter is malformed.', defendis: 'Invalid parameter' },
  forbidden: { status: 403, message: 'Forbidden.', defendis: 'Forbidden' },
  not_found: { status: 404, message: 'Not found.', defendis: 'Not found' },
  key_limit_reached: {
    status: 403,
    message: 'The workspace has reached the number of active API keys its plan allows.',
    defendis: 'Forbidden: the workspace has reached the number of API keys its plan allows',
  },
  method_not_allowed: {
    status: 405,
    message: 'This path does not take this method; the Allow header lists those it takes.',
    defendis: 'Method not allowed',
  },
  not_acceptable: {
    status: 406,
    message: 'This path answers in application/taxii+json;version=2.1 only: send that media type in the Accept header.',
    defendis: 'Not acceptable',
  },
  unsupported_media_type: {
    status: 415,
    message: 'The request body must be sent with Content-Type: application/taxii+json;version=2.1.',
    defendis: 'Unsupported media type',
  },
  verification_failed: {
    status: 409,
    message: 'The DNS record that proves the domain was not found.',
    defendis: 'Verification failed',
  },
  payload_too_large: {
    status: 413,
    message: 'The request body is too large.',
    defendis: 'Request body too large',
  },
  rate_limited: { status: 429, message: 'Rate limit exceeded. Retry later.', defendis: 'Rate limit exceeded' },
  unavailable: {
    status: 503,
    message: 'The service is temporarily unavailable. Retry later.',
    defendis: 'Service unavailable',
  },
  internal_error: { status: 500, message: 'Internal server error.', defendis: 'Internal server error' },
} as const satisfies Record<string, { status: number; message: string; defendis: string }>;

export type ErrorCode = keyof typeof ERRORS;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERRORS, value);
}

export interface ApiErrorOptions {
  /** The request parameter at fault, for `missing_parameter` and `invalid_parameter`. */
  parameter?: string;
  /** What is wrong with it, without its name (so a transport can name it its own way). */
  detail?: string;
  /** Seconds a client should wait before retrying (`rate_limited`, `unavailable`). */
  retryAfter?: number;
  /**
   * Why a `forbidden` was answered, for clients that act on it (GraphQL `extensions.reason`, with
   * the permission, or the type and value outside the scope): the message is for people.
   */
  reason?: ForbiddenReason;
}

export type ForbiddenReason =
  | { reason: 'missing_permission'; permission: string }
  | { reason: 'outside_scope'; type: string; value: string }
  | { reason: 'plan' | 'billing' | 'limit' | 'read_only' };

export class ApiError extends GraphQLError {
  readonly code: ErrorCode;
  readonly parameter: string | undefined;
  readonly detail: string | undefined;
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, message: string = ERRORS[code].message, options: ApiErrorOptions = {}) {
    super(message, {
      extensions: {
        code,
        ...(options.parameter === undefined ? {} : { parameter: options.parameter }),
        ...options.reason,
      },
    });
    this.name = 'ApiError';
    this.code = code;
    this.parameter = options.parameter;
    this.detail = options.detail;
    this.retryAfter = options.retryAfter;
  }

  get status(): number {
    return ERRORS[this.code].status;
  }
}

export function missingParameter(parameter: string): ApiError {
  return new ApiError('missing_parameter', `Missing required parameter: ${parameter}.`, { parameter });
}

export function invalidParameter(parameter: string, detail: string): ApiError {
  return new ApiError('invalid_parameter', `Invalid parameter ${parameter}: ${detail}`, { parameter, detail });
}

export function forbidden(sentence: string, reason?: ForbiddenReason): ApiError {
  return new ApiError('forbidden', `Forbidden: ${sentence}`, reason ? { reason } : {});
}

/**
 * Any thrown value as a §4 error: `ApiError`s as they are, a lost database as `unavailable`,
 * everything else as `internal_error` (its details are for the log, never for the caller).
 */
export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof GraphQLError) {
    if (error.originalError) return asApiError(error.originalError);
    // GraphQL's own complaint about a document or its variables: the caller's doing.
    return new ApiError('invalid_parameter', error.message);
  }
  return new ApiError(isDatabaseUnavailable(error) ? 'unavailable' : 'internal_error', undefined, {
    ...(isDatabaseUnavailable(error) ? { retryAfter: 1 } : {}),
  });
}
