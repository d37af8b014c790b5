/** The `node:http` server every listener of the product uses, with the slow-client limits of docs/api.md §12. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { HEADERS_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS, REQUEST_RECEIVE_TIMEOUT_MS } from './limits.js';

export function createListener(handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Server {
  const server = createServer(
    {
      // Headers within 10 s (slowloris), the whole request within 30 s, idle keep-alive
      // connections closed after 5 s: a slow client cannot hold a connection for long.
      headersTimeout: HEADERS_TIMEOUT_MS,
      requestTimeout: REQUEST_RECEIVE_TIMEOUT_MS,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      // Node checks the two timeouts above only this often (default 30 s); 1 s keeps them close to their values.
      connectionsCheckingInterval: 1000,
    },
    (req, res) => void handle(req, res),
  );
  return server;
}
