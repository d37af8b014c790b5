/**
 * Admits a request (API.md §2): reads the API key from `Authorization: Bearer <key>` or
 * `X-API-Key`, never the URL, verifies it, and spends one request of the key's rate limit.
 * The one entry point for every keyed path (src/app.ts).
 */
import { ApiError } from '../errors.js';
import type { RequestState } from '../requestState.js';
import { parseApiKey } from './keyFormat.js';
import type { KeyVerifier } from './keyVerifier.js';
import type { Principal } from './principal.js';
import type { KeyRateLimiter } from './rateLimiter.js';

/** What admits a request: the key check and the per-key rate limit. */
export interface Gatekeeper {
  verifier: KeyVerifier;
  rateLimiter: KeyRateLimiter;
}

/** A request header by its lower-case name, null when absent. */
export type HeaderReader = (name: string) => string | null | undefined;

/** Query parameters that look like a key being sent in the URL; refused whatever their value. */
const KEY_QUERY_PARAMETERS = new Set(['api_key', 'apikey', 'api-key', 'key', 'token', 'access_token']);

export function hasKeyInQuery(query: URLSearchParams): boolean {
  for (const name of query.keys()) {
    if (KEY_QUERY_PARAMETERS.has(name.toLowerCase())) return true;
  }
  return false;
}

/**
 * White space around a key or after `Bearer`: spaces and tabs only, as HTTP writes them. A no-break
 * space or any other Unicode space is not white space here: a key pasted with one is malformed.
 */
const HTTP_SPACE = /^[ \t]+|[ \t]+$/g;
const BEARER = /^bearer(?:[ \t]+(.*))?$/is;

/**
 * The key the request presents, or null when it presents none. Throws `invalid_api_key` when the
 * two headers disagree, a header comes twice, or `Authorization` uses another scheme.
 */
export function presentedKey(header: HeaderReader): string | null {
  const authorization = header('authorization')?.replace(HTTP_SPACE, '') || null;
  const apiKeyHeader = header('x-api-key')?.replace(HTTP_SPACE, '') || null;
  let bearer: string | null = null;
  if (authorization !== null) {
    const match = BEARER.exec(authorization);
    if (!match) throw new ApiError('invalid_api_key');
    bearer = match[1]?.replace(HTTP_SPACE, '') ?? '';
  }
  if (bearer !== null && apiKeyHeader !== null && bearer !== apiKeyHeader) {
    throw new ApiError('invalid_api_key', 'The Authorization and X-API-Key headers hold different keys.');
  }
  return bearer ?? apiKeyHeader;
}

/** The caller of a request, or an `ApiError` for any of the §4 authentication rows. */
export async function authenticate(header: HeaderReader, verifier: KeyVerifier, clientAddress?: string): Promise<Principal> {
  const key = presentedKey(header);
  if (key === null) throw new ApiError('missing_api_key');
  const prefix = parseApiKey(key);
  if (prefix === null) throw new ApiError('invalid_api_key');
  return verifier.verify(key, prefix, clientAddress);
}

/**
 * The caller, verified and within its rate limit; `state` learns the principal and the limit's
 * status (for the log line and the `RateLimit-*` headers) even when the limit refuses the request.
 * The edge (src/app.ts) calls it once per request, for every path that needs a key.
 */
export async function admit(header: HeaderReader, gatekeeper: Gatekeeper, state: RequestState): Promise<Principal> {
  const principal = await authenticate(header, gatekeeper.verifier, state.clientAddress);
  state.principal = principal;
  await gatekeeper.rateLimiter.take(principal, (status) => (state.rateLimit = status));
  return principal;
}
