/**
 * CORS (docs/api.md §7): off unless `CORS_ORIGINS` names the origins allowed to call the API from a
 * browser; then every answer, REST and GraphQL alike, carries the same headers for those origins
 * and no others. Keys travel in headers, never cookies, so credentials are never allowed.
 */
import type { Outgoing } from './exchange.js';

/** Headers a browser may send: the key's two headers, JSON bodies, and a stream's resume point. */
const ALLOWED_HEADERS = 'authorization, x-api-key, content-type, accept, last-event-id';
/** Headers a browser script may read: the request id it should quote, and the rate limit. */
const EXPOSED_HEADERS = 'x-request-id, ratelimit-limit, ratelimit-remaining, ratelimit-reset, retry-after';
const ALLOWED_METHODS = 'GET, POST, PATCH, DELETE, OPTIONS';
/** How long a browser may reuse a preflight answer. */
const PREFLIGHT_MAX_AGE_S = 600;

export class CorsPolicy {
  private readonly origins: ReadonlySet<string>;

  constructor(origins: readonly string[]) {
    this.origins = new Set(origins);
  }

  /** The headers for an answer to a request from `origin` (none when CORS is off or it is not allowed). */
  headers(origin: string | null): Record<string, string> | undefined {
    if (this.origins.size === 0) return undefined;
    if (origin === null || !this.origins.has(origin)) return { vary: 'Origin' };
    return { 'access-control-allow-origin': origin, 'access-control-expose-headers': EXPOSED_HEADERS, vary: 'Origin' };
  }

  /** A preflight (`OPTIONS` with `Access-Control-Request-Method`) is answered here, without a key. */
  preflight(origin: string | null): Outgoing {
    const allowed = this.origins.size > 0 && origin !== null && this.origins.has(origin);
    return {
      status: 204,
      headers: allowed
        ? {
            'access-control-allow-methods': ALLOWED_METHODS,
            'access-control-allow-headers': ALLOWED_HEADERS,
            'access-control-max-age': String(PREFLIGHT_MAX_AGE_S),
          }
        : {},
      body: null,
    };
  }
}

/** `CORS_ORIGINS`: comma-separated origins (`https://soc.example.com`), each as a browser sends it. */
export function parseCorsOrigins(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean)
    .map((origin) => {
      let url: URL;
      try {
        url = new URL(origin);
      } catch {
        throw new Error(
          `CORS_ORIGINS must list origins such as https://soc.example.com, got ${JSON.stringify(origin)}`,
        );
      }
      if (url.origin !== origin.replace(/\/$/, '') || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
        throw new Error(`CORS_ORIGINS must list origins (scheme, host and port only), got ${JSON.stringify(origin)}`);
      }
      return url.origin;
    });
}
