/**
 * The error dialects of the routes (docs/api.md §4, §11). Each route of the table names the one it
 * speaks (src/rest/routes.ts): the SOC dialect for `/api/v1/iocs` and below (and the
 * breached-password range search, which follows the SOC conventions of §9), the Defendis dialect
 * for everything else under `/api/v1`, and TAXII error messages under `/taxii2/`. A path no route
 * matches (a 404, a request refused before routing) speaks the dialect of the route that shares
 * the most of its path (`dialectForPath`, from the same table). The REST bodies are laid out exactly as
 * the Defendis and SOC Defenders API pages print them, so that a client written against those pages
 * sees the same bytes.
 */
import { STATUS_CODES } from 'node:http';
import { ApiError, ERRORS } from '../core/errors.js';
import { json, type Outgoing } from '../http/exchange.js';
import { TAXII_MEDIA_TYPE } from '../taxii/collections.js';

export type Dialect = 'soc' | 'defendis' | 'taxii';

export const isTaxiiPath = (path: string) => path === '/taxii2' || path.startsWith('/taxii2/');

/** The MISP feed served out (docs/api.md §14). */
export const isMispPath = (path: string) => path.startsWith('/misp/');

/**
 * Where HTTP Basic is taken besides the other key headers: TAXII (SIEM connectors), the MISP feed
 * and block lists (firewalls offer only a user name and password; docs/api.md §11, §14).
 */
export const takesBasic = (path: string) =>
  isTaxiiPath(path) || isMispPath(path) || path.startsWith('/api/v1/blocklists/');

/**
 * The dialect of any path, from the routes' own: that of the routes sharing the longest run of
 * leading segments with it (`/api/v1/iocs/unknown` shares three with the IOC routes: SOC); where
 * routes of different dialects tie (`/api/v1/unknown`), the Defendis dialect, the API's default.
 */
export function dialectsByPath(routes: readonly { path: string; dialect: Dialect }[]): (path: string) => Dialect {
  const known = routes.map(({ path, dialect }) => ({ segments: path.split('/').filter(Boolean), dialect }));
  return (path) => {
    const segments = path.split('/').filter(Boolean);
    let best = -1;
    let dialects = new Set<Dialect>();
    for (const route of known) {
      let shared = 0;
      while (
        shared < segments.length &&
        shared < route.segments.length &&
        (route.segments[shared] === segments[shared] || route.segments[shared]!.startsWith('{'))
      )
        shared++;
      if (shared > best) [best, dialects] = [shared, new Set([route.dialect])];
      else if (shared === best) dialects.add(route.dialect);
    }
    return dialects.size === 1 && best > 0 ? [...dialects][0]! : 'defendis';
  };
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
    // SIEM connectors offer a user name and password: say that Basic is taken (docs/api.md §11).
    if (error.status === 401) headers['www-authenticate'] = 'Basic realm="taxii2", Bearer';
    return {
      status: error.status,
      headers: { 'content-type': TAXII_MEDIA_TYPE, ...headers },
      body: errorBodyText(error, dialect, requestId),
    };
  }
  return json(errorBodyText(error, dialect, requestId), error.status, headers);
}
