/**
 * Admits a request (docs/api.md §2): reads the API key from `Authorization: Bearer <key>` or
 * `X-API-Key` (and, for TAXII, HTTP Basic: §11), never the URL, verifies it, and spends one
 * request of the key's rate limit. The one entry point for every keyed path (src/edge/app.ts).
 */
import { ApiError } from '../core/errors.js';
import type { RequestState } from './requestState.js';
import { KEY_LENGTH, KEY_MARKER, parseApiKey } from './keyFormat.js';
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
 * The longest raw key header read (docs/api.md §12): a key is 50 characters, and `Basic` with a key as
 * user name or password under base64 about 80. Anything longer is refused as malformed before any
 * other work, so that what a caller without a key can make the server do stays constant.
 */
export const MAX_KEY_HEADER_CHARS = 200;

/**
 * White space around a key or after `Bearer`: spaces and tabs only, as HTTP writes them. A no-break
 * space or any other Unicode space is not white space here: a key pasted with one is malformed.
 * Trimmed by index, one pass from each end: no regular expression, so nothing can backtrack.
 */
const isHttpSpace = (code: number) => code === 0x20 || code === 0x09;

export function trimHttpSpace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isHttpSpace(text.charCodeAt(start))) start++;
  while (end > start && isHttpSpace(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/**
 * The credentials after an authentication scheme (`Bearer x`, `Basic x`), the scheme's name in any
 * case; '' for the scheme alone, null when the header names another scheme.
 */
function afterScheme(header: string, scheme: string): string | null {
  if (header.length < scheme.length || header.slice(0, scheme.length).toLowerCase() !== scheme) return null;
  if (header.length === scheme.length) return '';
  return isHttpSpace(header.charCodeAt(scheme.length)) ? trimHttpSpace(header.slice(scheme.length)) : null;
}

/** A key header's value, trimmed; `invalid_api_key` when it is longer than any key could make it. */
function keyHeader(header: HeaderReader, name: string): string | null {
  const raw = header(name);
  if (raw === null || raw === undefined) return null;
  if (raw.length > MAX_KEY_HEADER_CHARS) {
    throw new ApiError(
      'invalid_api_key',
      `The ${name === 'authorization' ? 'Authorization' : 'X-API-Key'} header is longer than ${MAX_KEY_HEADER_CHARS} characters: no API key is that long.`,
    );
  }
  return trimHttpSpace(raw) || null;
}

/** Which ways of presenting a key a path takes beyond Bearer and `X-API-Key`. */
export interface KeyPresentation {
  /**
   * HTTP Basic with the key as the user name or as the password, the other part ignored: several
   * SIEM connectors only offer a user name and password (TAXII, docs/api.md §11).
   */
  basic?: boolean;
}

/** The key inside `Basic <base64(user:password)>`: the part that looks like a key, else the one given. */
function basicKey(credentials: string): string {
  const decoded = /^[A-Za-z0-9+/]+=*$/.test(credentials) ? Buffer.from(credentials, 'base64').toString('utf8') : null;
  const colon = decoded?.indexOf(':') ?? -1;
  if (decoded === null || colon < 0) {
    throw new ApiError(
      'invalid_api_key',
      'The Authorization header says Basic but does not hold base64 of "user:password": put the API key as the user name or the password.',
    );
  }
  const user = trimHttpSpace(decoded.slice(0, colon));
  const password = trimHttpSpace(decoded.slice(colon + 1));
  const key = [user, password].find((part) => part.startsWith(KEY_MARKER)) ?? (user || password);
  if (key === '')
    throw new ApiError(
      'invalid_api_key',
      'The Basic credentials are empty: put the API key as the user name or the password.',
    );
  return key;
}

/**
 * The key the request presents, or null when it presents none. Throws `invalid_api_key` when the
 * two headers disagree, a header comes twice, or `Authorization` uses another scheme.
 */
export function presentedKey(header: HeaderReader, presentation: KeyPresentation = {}): string | null {
  const authorization = keyHeader(header, 'authorization');
  const apiKeyHeader = keyHeader(header, 'x-api-key');
  let bearer: string | null = null;
  const basic = presentation.basic && authorization !== null ? afterScheme(authorization, 'basic') : null;
  if (basic !== null) {
    bearer = basicKey(basic);
  } else if (authorization !== null) {
    const credentials = afterScheme(authorization, 'bearer');
    if (credentials === null) {
      // The commonest mistake: the key alone, without its scheme.
      throw new ApiError(
        'invalid_api_key',
        authorization.startsWith('sk_')
          ? 'The Authorization header holds a key without the word Bearer: send "Authorization: Bearer sk_live_..." or put the key alone in the X-API-Key header.'
          : 'The Authorization header must read "Bearer sk_live_...": other schemes are not accepted. Or put the key alone in the X-API-Key header.',
      );
    }
    bearer = credentials;
    if (bearer === '')
      throw new ApiError(
        'invalid_api_key',
        'The Authorization header says Bearer but holds no key after it: send "Authorization: Bearer sk_live_...".',
      );
  }
  if (bearer !== null && apiKeyHeader !== null && bearer !== apiKeyHeader) {
    throw new ApiError('invalid_api_key', 'The Authorization and X-API-Key headers hold different keys.');
  }
  return bearer ?? apiKeyHeader;
}

/** The caller of a request, or an `ApiError` for any of the §4 authentication rows. */
export async function authenticate(
  header: HeaderReader,
  verifier: KeyVerifier,
  clientAddress?: string,
  presentation: KeyPresentation = {},
): Promise<Principal> {
  const key = presentedKey(header, presentation);
  if (key === null) throw new ApiError('missing_api_key');
  const prefix = parseApiKey(key);
  if (prefix === null) throw new ApiError('invalid_api_key', whyMalformed(key));
  return verifier.verify(key, prefix, clientAddress);
}

/**
 * The caller, verified and within its rate limit; `state` learns the principal and the limit's
 * status (for the log line and the `RateLimit-*` headers) even when the limit refuses the request.
 * The edge (src/edge/app.ts) calls it once per request, for every path that needs a key.
 */
export async function admit(
  header: HeaderReader,
  gatekeeper: Gatekeeper,
  state: RequestState,
  presentation: KeyPresentation = {},
): Promise<Principal> {
  const principal = await authenticate(header, gatekeeper.verifier, state.clientAddress, presentation);
  state.principal = principal;
  await gatekeeper.rateLimiter.take(principal, (status) => (state.rateLimit = status));
  return principal;
}

/** What is wrong with a key that fails its format or checksum, in words that point at the fix. */
function whyMalformed(key: string): string {
  if (!key.startsWith(KEY_MARKER))
    return `The API key is not valid: keys start with ${KEY_MARKER}. Check that you copied the whole key, and nothing else.`;
  if (key.length !== KEY_LENGTH) {
    return `The API key is not valid: it has ${key.length} characters where keys have ${KEY_LENGTH}. Check that you copied the whole key, and nothing else.`;
  }
  if (!/^[0-9A-Za-z_]+$/.test(key))
    return 'The API key is not valid: it holds characters keys never have (only letters and digits follow sk_live_). Copy the key again.';
  return 'The API key is not valid: its checksum does not match, so a character was mistyped or changed. Copy the key again.';
}
