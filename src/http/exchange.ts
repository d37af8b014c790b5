/**
 * One request and its answer, independent of the transport. The hot paths (REST and plain
 * GraphQL POSTs) speak these, so that `node:http` can serve them without building WHATWG
 * `Request`/`Response` objects, while tests and Yoga keep the fetch API (docs/performance.md, "Where the time went").
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { ApiError } from '../core/errors.js';
import { STALLED_READER_MS } from './limits.js';

export interface Incoming {
  readonly method: string;
  readonly url: URL;
  /** A header by its lower-case name; several values come joined by `, `. */
  header: (name: string) => string | null;
  /** The body, at most `limit` bytes; a larger one is 413 `payload_too_large`, refused as soon as it is seen. */
  body: (limit: number) => Promise<Buffer>;
  /** The same request as a WHATWG `Request` (for Yoga), with the body already read if any. */
  toRequest: (body?: Buffer) => Request;
}

export interface Outgoing {
  status: number;
  headers: Record<string, string>;
  /** Text, nothing, or chunks produced while it is sent (exports, event streams, Yoga's streams). */
  body: string | null | AsyncIterable<string | Uint8Array>;
}

const JSON_TYPE = 'application/json; charset=utf-8';

export function json(body: string, status: number, headers: Record<string, string> = {}): Outgoing {
  return { status, headers: { 'content-type': JSON_TYPE, ...headers }, body };
}

export function noContent(): Outgoing {
  return { status: 204, headers: {}, body: null };
}

const tooLarge = (limit: number) =>
  new ApiError('payload_too_large', `The request body is larger than ${limit} bytes; send at most ${limit} bytes.`);

/**
 * Headers that must hold one value: node keeps only the first of several `Authorization` lines,
 * which would let a request carry a second key nobody checks (docs/api.md §2). Every value is kept here,
 * joined as the fetch API joins them, so that two keys never read as one.
 */
const SINGLE_VALUED = new Set(['authorization', 'x-api-key']);

export function fromRequest(request: Request): Incoming {
  const url = new URL(request.url);
  return {
    method: request.method,
    url,
    header: (name) => request.headers.get(name),
    async body(limit) {
      if (Number(request.headers.get('content-length') ?? 0) > limit) throw tooLarge(limit);
      const chunks: Uint8Array[] = [];
      let size = 0;
      if (request.body) {
        for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
          size += chunk.byteLength;
          if (size > limit) throw tooLarge(limit);
          chunks.push(chunk);
        }
      }
      return Buffer.concat(chunks);
    },
    toRequest: (body) => (body === undefined ? request : new Request(request, { body: new Uint8Array(body) })),
  };
}

export function fromNode(req: IncomingMessage): Incoming {
  const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
  const header = (name: string) => {
    if (SINGLE_VALUED.has(name)) return everyValue(req.rawHeaders, name);
    const value = req.headers[name];
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
  };
  return {
    method: req.method ?? 'GET',
    url,
    header,
    body(limit) {
      if (Number(req.headers['content-length'] ?? 0) > limit) return Promise.reject(tooLarge(limit));
      return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        let size = 0;
        req.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > limit) {
            req.removeAllListeners('data');
            req.resume();
            reject(tooLarge(limit));
          } else chunks.push(chunk);
        });
        req.once('end', () => resolve(Buffer.concat(chunks)));
        req.once('error', reject);
      });
    },
    toRequest(body) {
      const headers = new Headers();
      for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
      const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
      return new Request(url, {
        method: req.method ?? 'GET',
        headers,
        ...(hasBody
          ? { body: body ? new Uint8Array(body) : (Readable.toWeb(req) as ReadableStream), duplex: 'half' }
          : {}),
      });
    },
  };
}

/** Every value of a header, joined by `, `, from the raw lines (no object of all headers built). */
function everyValue(raw: readonly string[], name: string): string | null {
  let found: string | null = null;
  for (let i = 0; i < raw.length; i += 2) {
    const line = raw[i]!;
    if (line.length === name.length && line.toLowerCase() === name)
      found = found === null ? raw[i + 1]! : `${found}, ${raw[i + 1]!}`;
  }
  return found;
}

export function toResponse(out: Outgoing): Response {
  const body =
    out.body === null || typeof out.body === 'string'
      ? out.body
      : (Readable.toWeb(Readable.from(out.body, { objectMode: false })) as ReadableStream<Uint8Array>);
  return new Response(body, { status: out.status, statusText: STATUS_CODES[out.status] ?? '', headers: out.headers });
}

/**
 * Writes an answer; `extra` holds the headers every answer carries (request id, rate limit). A
 * streamed body is written as it is produced, waiting whenever the client reads slower than it
 * comes. Should producing it fail midway, the connection is cut: a client must never take a
 * truncated export for a whole one.
 */
export async function writeOutgoing(
  res: ServerResponse,
  out: Outgoing,
  extra: Record<string, string>,
  stalledReaderMs = STALLED_READER_MS,
): Promise<void> {
  res.statusCode = out.status;
  for (const name in out.headers) res.setHeader(name, out.headers[name]!);
  for (const name in extra) res.setHeader(name, extra[name]!);
  if (out.body === null || typeof out.body === 'string') {
    res.end(out.body ?? undefined);
    return;
  }
  const closed = new Promise<void>((resolve) => res.once('close', resolve));
  try {
    for await (const chunk of out.body) {
      if (res.destroyed) break;
      if (!res.write(chunk) && !(await drained(res, closed, stalledReaderMs))) {
        // The client has read nothing for a minute: its unread answer would sit in memory (§12).
        res.destroy();
        break;
      }
    }
    res.end();
  } catch (error) {
    res.destroy();
    throw error;
  }
}

/** Whether the client took what was written within `stalledReaderMs` (false: it stalled or left). */
async function drained(res: ServerResponse, closed: Promise<void>, stalledReaderMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<'stalled'>((resolve) => (timer = setTimeout(() => resolve('stalled'), stalledReaderMs)));
  const outcome = await Promise.race([
    once(res, 'drain').then(() => 'drained' as const),
    closed.then(() => 'closed' as const),
    stalled,
  ]);
  clearTimeout(timer);
  return outcome === 'drained';
}

/**
 * Yoga answers with its own `Response` class (the @whatwg-node ponyfill on Node 20), which is not
 * the global one: recognise a response by its shape, not its class.
 */
export function isFetchResponse(value: Outgoing | Response): value is Response {
  return typeof (value as Response).arrayBuffer === 'function';
}

/** Writes a fetch `Response` (from Yoga) to a node response, as its body arrives. */
export async function writeResponse(
  res: ServerResponse,
  response: Response,
  extra: Record<string, string>,
  stalledReaderMs = STALLED_READER_MS,
): Promise<void> {
  res.statusCode = response.status;
  if (response.statusText) res.statusMessage = response.statusText;
  response.headers.forEach((value, name) => res.setHeader(name, value));
  for (const name in extra) res.setHeader(name, extra[name]!);
  if (!response.body) {
    res.end();
    return;
  }
  // Streamed as it comes: subscriptions over Server-Sent Events never end by themselves.
  await writeOutgoing(
    res,
    { status: response.status, headers: {}, body: response.body as unknown as AsyncIterable<Uint8Array> },
    {},
    stalledReaderMs,
  );
}
