/**
 * A feed's origin for tests: a real HTTP server on a loopback port that serves documents as feed
 * servers do, with `ETag` and `Last-Modified` (and 304 to a conditional GET that matches), gzip
 * when the client takes it, and every request it got kept to be checked.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

export interface Served {
  body: string | Buffer;
  contentType?: string;
  etag?: string;
  lastModified?: string;
  /** Sent gzip-compressed when the request says it takes gzip. */
  gzip?: boolean;
  status?: number;
  headers?: Record<string, string>;
}

export interface FeedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  /** What was answered. */
  status: number;
}

export interface FeedServer {
  url: string;
  requests: FeedRequest[];
  serve(path: string, document: Served): void;
  /** A path answered by hand (slow or endless streams). */
  handle(path: string, handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): void;
  close(): Promise<void>;
}

export async function startFeedServer(): Promise<FeedServer> {
  const documents = new Map<string, Served>();
  const handlers = new Map<string, (req: http.IncomingMessage, res: http.ServerResponse) => void>();
  const requests: FeedRequest[] = [];
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const record = (status: number) => requests.push({ path: req.url ?? '/', headers: req.headers, status });
    const handler = handlers.get(path);
    if (handler) {
      record(200);
      handler(req, res);
      return;
    }
    const document = documents.get(path);
    if (!document) {
      record(404);
      res.writeHead(404).end('not found');
      return;
    }
    const validators: Record<string, string> = {
      ...(document.etag ? { etag: document.etag } : {}),
      ...(document.lastModified ? { 'last-modified': document.lastModified } : {}),
    };
    const unchanged =
      (document.etag !== undefined && req.headers['if-none-match'] === document.etag) ||
      (document.etag === undefined &&
        document.lastModified !== undefined &&
        req.headers['if-modified-since'] !== undefined &&
        Date.parse(req.headers['if-modified-since']) >= Date.parse(document.lastModified));
    if (unchanged) {
      record(304);
      res.writeHead(304, validators).end();
      return;
    }
    const status = document.status ?? 200;
    record(status);
    const zipped = document.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = zipped ? gzipSync(document.body) : document.body;
    res.writeHead(status, {
      'content-type': document.contentType ?? 'text/plain; charset=utf-8',
      ...validators,
      ...(zipped ? { 'content-encoding': 'gzip' } : {}),
      ...document.headers,
    });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    serve: (path, document) => documents.set(path, document),
    handle: (path, handler) => handlers.set(path, handler),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
