/**
 * The two REST error dialects (API.md §4). Which one a route speaks is fixed by its path: the SOC
 * dialect for `/api/v1/iocs` and below, the Defendis dialect for everything else under `/api/v1`.
 * (and for the breached-password range search, which follows the SOC conventions of §9).
 * The bodies are laid out exactly as the two source documents print them (seeds/), so that a
 * client written against those pages sees the same bytes.
 */
import { ApiError, ERRORS } from '../errors.js';
import { json, type Outgoing } from '../http/exchange.js';

export type Dialect = 'soc' | 'defendis';

export function dialectForPath(path: string): Dialect {
  return path === '/api/v1/iocs' || path.startsWith('/api/v1/iocs/') || path.startsWith('/api/v1/passwords/') ? 'soc' : 'defendis';
}

/** The sentence a Defendis body carries: the documented phrase, or one that names the detail. */
function defendisSentence(error: ApiError): string {
  // Sentences that carry a detail (which parameter, why forbidden) keep it; the others are the
  // fixed phrases the Defendis documentation prints.
  const detailed = error.parameter !== undefined || error.code === 'forbidden';
  return detailed ? error.message : ERRORS[error.code].defendis;
}

/**
 * SOC: `{ "error": { "code", "message", "request_id" } }`, indented by two spaces as the SOC
 * Defenders page prints it. Defendis: `{ "error": "<sentence>" }` on one line, as the Defendis
 * page prints it.
 */
export function errorBodyText(error: ApiError, dialect: Dialect, requestId: string): string {
  if (dialect === 'soc') {
    return JSON.stringify({ error: { code: error.code, message: error.message, request_id: requestId } }, null, 2);
  }
  return `{ "error": ${JSON.stringify(defendisSentence(error))} }`;
}

export function errorAnswer(error: ApiError, dialect: Dialect, requestId: string): Outgoing {
  const headers: Record<string, string> = {};
  if (error.retryAfter !== undefined) headers['retry-after'] = String(error.retryAfter);
  return json(errorBodyText(error, dialect, requestId), error.status, headers);
}
