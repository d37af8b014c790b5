/**
 * The two REST error dialects (API.md §4). Which one a route speaks is fixed by its path: the SOC
 * dialect for `/api/v1/iocs` and below, the Defendis dialect for everything else under `/api/v1`.
 */
import { ApiError, ERRORS } from '../errors.js';

export type Dialect = 'soc' | 'defendis';

export function dialectForPath(path: string): Dialect {
  return path === '/api/v1/iocs' || path.startsWith('/api/v1/iocs/') ? 'soc' : 'defendis';
}

/** SOC: `{ error: { code, message, request_id } }`. Defendis: `{ error: "<sentence>" }`. */
export function errorBody(error: ApiError, dialect: Dialect, requestId: string): unknown {
  if (dialect === 'soc') return { error: { code: error.code, message: error.message, request_id: requestId } };
  // Sentences that carry a detail (which parameter, why forbidden) keep it; the others are the
  // fixed phrases the Defendis documentation prints.
  const detailed = error.parameter !== undefined || error.code === 'forbidden';
  return { error: detailed ? error.message : ERRORS[error.code].defendis };
}

export function errorResponse(error: ApiError, dialect: Dialect, requestId: string): Response {
  const headers: Record<string, string> = {};
  if (error.retryAfter !== undefined) headers['retry-after'] = String(error.retryAfter);
  return Response.json(errorBody(error, dialect, requestId), { status: error.status, headers });
}
