/**
 * One GET of a feed's document (docs/api.md §14): conditional (`If-None-Match`,
 * `If-Modified-Since` from the last answer), gzip taken and undone as the body streams, the body
 * handed on as a stream that is never held whole. A workspace's feed goes through the webhook URL
 * policy (src/http/urlPolicy.ts) before every request and connects to the address it checked; a
 * redirect is then an error. An operator's feed is trusted: it may reach any address and follows
 * up to five redirects.
 */
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { pinnedLookup, reachableUrl, UrlRefused, type UrlPolicy } from '../http/urlPolicy.js';

/** Without a byte for this long, a request is given up. */
export const IDLE_TIMEOUT_MS = 30_000;
const MAX_REDIRECTS = 5;
const USER_AGENT = 'threat-intel-api-feeds/1';

/** Why a pull failed, in words for the feed's `last_error`. */
export class FeedError extends Error {}

export interface FetchRequest {
  url: string;
  /** The URL policy of a workspace's feed; null for an operator's (trusted). */
  policy: UrlPolicy | null;
  headers: Record<string, string>;
  /** Validators of the last answer, sent back so that an unchanged document answers 304. */
  etag?: string | null;
  lastModified?: string | null;
  signal?: AbortSignal;
  idleTimeoutMs?: number;
}

export type Fetched =
  | { status: 304 }
  | {
      status: 200;
      /** The document, gunzipped when it came compressed. */
      body: Readable;
      etag: string | null;
      lastModified: string | null;
      headers: http.IncomingHttpHeaders;
    };

export async function fetchDocument(request: FetchRequest): Promise<Fetched> {
  let url = request.url;
  for (let redirects = 0; ; redirects++) {
    const answer = await get(url, request);
    const status = answer.statusCode ?? 0;
    if (status === 304) {
      answer.resume();
      return { status: 304 };
    }
    if (status >= 300 && status < 400) {
      answer.resume();
      const location = answer.headers.location;
      if (request.policy !== null || !location)
        throw new FeedError(
          `the server answered ${status} (a redirect${location ? ` to ${location}` : ''}, not followed)`,
        );
      if (redirects >= MAX_REDIRECTS) throw new FeedError(`more than ${MAX_REDIRECTS} redirects`);
      url = new URL(location, url).toString();
      continue;
    }
    if (status < 200 || status >= 300) {
      answer.resume();
      throw new FeedError(`the server answered ${status}${answer.statusMessage ? ` ${answer.statusMessage}` : ''}`);
    }
    const encoding = String(answer.headers['content-encoding'] ?? '').toLowerCase();
    let body: Readable = answer;
    if (encoding === 'gzip' || encoding === 'x-gzip') {
      const gunzip = createGunzip();
      answer.on('error', (error) => gunzip.destroy(error));
      body = answer.pipe(gunzip);
    } else if (encoding && encoding !== 'identity') {
      answer.destroy();
      throw new FeedError(`the answer is encoded as ${encoding}; gzip or none is read`);
    }
    return {
      status: 200,
      body,
      etag: header(answer.headers.etag),
      lastModified: header(answer.headers['last-modified']),
      headers: answer.headers,
    };
  }
}

const header = (value: string | string[] | undefined) => (Array.isArray(value) ? (value[0] ?? null) : (value ?? null));

async function get(raw: string, request: FetchRequest): Promise<http.IncomingMessage> {
  let url: URL;
  let lookup: ReturnType<typeof pinnedLookup> | undefined;
  if (request.policy) {
    try {
      const reachable = await reachableUrl(raw, request.policy);
      url = reachable.url;
      lookup = pinnedLookup(reachable.address);
    } catch (error) {
      if (error instanceof UrlRefused) throw new FeedError(`the URL ${error.message}`);
      throw error;
    }
  } else {
    try {
      url = new URL(raw);
    } catch {
      throw new FeedError('the URL is not a URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new FeedError('the URL must be http or https');
  }
  const headers: Record<string, string> = {
    'user-agent': USER_AGENT,
    'accept-encoding': 'gzip',
    ...request.headers,
  };
  if (request.etag) headers['if-none-match'] = request.etag;
  if (request.lastModified) headers['if-modified-since'] = request.lastModified;
  const idle = request.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const sent = (url.protocol === 'https:' ? https : http).get(url, {
      headers,
      ...(lookup ? { lookup } : {}),
      agent: false,
      signal: request.signal,
    });
    let answer: http.IncomingMessage | undefined;
    // The whole exchange, body included: a server that stops sending fails the pull.
    sent.setTimeout(idle, () => {
      const error = new FeedError(`the server sent nothing for ${Math.round(idle / 1000)} s`);
      answer?.destroy(error);
      sent.destroy(error);
    });
    sent.on('response', (response) => {
      answer = response;
      resolve(response);
    });
    sent.on('error', (error) =>
      reject(error instanceof FeedError ? error : new FeedError(`the request failed: ${error.message}`)),
    );
  });
}
