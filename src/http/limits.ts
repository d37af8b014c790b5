/**
 * The limits that keep one caller from hurting the others (docs/api.md §12), each with its reason.
 * Everything that enforces one imports it from here.
 */

/**
 * Request bodies. The largest documented body, a 1000-value lookup or a 1000-entry watchlist, is
 * under 300 KB; 1 MiB leaves room and bounds what an unauthenticated caller can make us buffer.
 */
export const MAX_BODY_BYTES = 1024 * 1024;

/** No legitimate body nests deeper than 4; parsers and resolvers that recurse stay bounded. */
export const MAX_JSON_DEPTH = 64;

/**
 * Open event streams (IOC changes, subscriptions) per key and per workspace, in one process. A
 * SIEM connector needs one or two; ten leave room for reconnect overlap. Each costs a database
 * look every few seconds, so the workspace cap bounds what one tenant costs the database.
 */
export const MAX_STREAMS_PER_KEY = 10;
export const MAX_STREAMS_PER_WORKSPACE = 50;

/** Exports running at once per key: each holds a database cursor position and a socket. */
export const MAX_EXPORTS_PER_KEY = 2;

/** An answer whose client reads nothing for this long is cut, so that its memory is released. */
export const STALLED_READER_MS = 60_000;

/** Slow clients: request headers must arrive within this time (slowloris). */
export const HEADERS_TIMEOUT_MS = 10_000;

/** An idle keep-alive connection is closed after this time. */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;

/**
 * A whole request, body included, must arrive within this time. 1 MiB at a modest 50 KB/s takes
 * 20 s; a client slower than that is holding a connection, not sending a request.
 */
export const REQUEST_RECEIVE_TIMEOUT_MS = 30_000;
