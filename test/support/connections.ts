/**
 * Every test's `fetch` opens a connection for each request. The server closes a keep-alive
 * connection after 5 s idle (docs/api.md §12), and HTTP/1.1 leaves a race there: a request sent on
 * a pooled connection just as the server closes it fails with ECONNRESET. Real clients retry such a
 * request; a test must not retry anything, so none reuses a connection. On a loaded machine a test
 * that checks a large answer for seconds on end (the STIX checks) used to hit the race.
 */
import { Agent, setGlobalDispatcher } from 'undici';

setGlobalDispatcher(new Agent({ pipelining: 0 }));
