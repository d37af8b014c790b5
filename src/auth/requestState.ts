import type { Principal } from './principal.js';
import type { RateLimitStatus } from './rateLimiter.js';
import type { Statements } from '../db/cancellation.js';

/** Facts about one request gathered on its way through, for its response headers and log line. */
export interface RequestState {
  readonly requestId: string;
  /** The peer's IP address, when the transport knows it (never a forwarded header). */
  readonly clientAddress?: string | undefined;
  /** Aborted when the client goes away (the connection closes before the answer is complete). */
  readonly signal: AbortSignal;
  /** The statements the request sent to the database, cancelled if it is answered on timeout. */
  readonly statements: Statements;
  /** The CORS headers every answer to this request carries (none unless `CORS_ORIGINS` allows its origin). */
  cors?: Record<string, string>;
  principal?: Principal;
  /** The route pattern that answered (`/api/v1/watchlists/{id}`), for metrics: never the raw path. */
  route?: string;
  /** The key's allowance after this request: the `RateLimit-*` headers of every keyed answer. */
  rateLimit?: RateLimitStatus;
  /** With read replicas: where the request's reads went (`primary`, or a replica's name). */
  database?: string;
}
