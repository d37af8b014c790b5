/**
 * The error dialects of the routes (API.md §4, §11). Which one a route speaks is fixed by its
 * path: the SOC dialect for `/api/v1/iocs` and below (and the breached-password range search,
 * which follows the SOC conventions of §9), the Defendis dialect for everything else under
 * `/api/v1`, and TAXII error messages under `/taxii2/`. The REST bodies are laid out exactly as
 * the two source documents print them (seeds/), so that a client written against those pages
 * sees the same bytes.
 */
import { STATUS_CODES } from 'node:http';
import { ApiError, ERRORS } from '../core/errors.js';
import { json, type Outgoing } from '../http/exchange.js';
import { TAXII_MEDIA_TYPE } from '../taxii/collections.js';

export type Dialect = 'soc' | 'defendis' | 'taxii';


export const isTaxiiPath = (path: string) => path === '/taxii2' || path.startsWith('/taxii2/');

export function dialectForPath(path: string): Dialect {
  if (isTaxiiPath(path)) return 'taxii';
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
  if (dialect === 'taxii') {
    // A TAXII 2.1 error message: `http_status` is a string there.
    return JSON.stringify({
      title: STATUS_CODES[error.status] ?? 'Error',
      description: error.message,
      http_status: String(error.status),
      error_code: error.code,
      request_id: requestId,
    });
  }
  if (dialect === 'soc') {
    return JSON.stringify({ error: { code: error.code, message: error.message, request_id: requestId } }, null, 2);
  }
  return `{ "error": ${JSON.stringify(defendisSentence(error))} }`;
}

export function errorAnswer(error: ApiError, dialect: Dialect, requestId: string): Outgoing {
  const headers: Record<string, string> = {};
  if (error.retryAfter !== undefined) headers['retry-after'] = String(error.retryAfter);
  if (dialect === 'taxii') {
    // SIEM connectors offer a user name and password: say that Basic is taken (API.md §11).
    if (error.status === 401) headers['www-authenticate'] = 'Basic realm="taxii2", Bearer';
    return { status: error.status, headers: { 'content-type': TAXII_MEDIA_TYPE, ...headers }, body: errorBodyText(error, dialect, requestId) };
  }
  return json(errorBodyText(error, dialect, requestId), error.status, headers);
}
