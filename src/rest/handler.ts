/**
 * Serves `/api/v1/*` (docs/api.md §6) and `/taxii2/*` (§11) for a caller the edge has admitted: finds
 * the route in the table, turns path, query and body into variables, runs the route's GraphQL
 * operation, and answers in the route's dialect. It adds no authorization rule of its own.
 */
import type { GraphQLSchema } from 'graphql';
import { LRUCache } from 'lru-cache';
import { ApiError, asApiError } from '../core/errors.js';
import type { Context } from '../graphql/context.js';
import { readJson } from '../http/body.js';
import { csvDocument } from '../iocs/csv.js';
import { EXPORT_PAGE_SIZE } from '../iocs/export.js';
import type { RestIoc } from '../iocs/record.js';
import { STIX_MEDIA_TYPE, stixBundle } from '../iocs/stix.js';
import { json, noContent, type Incoming, type Outgoing } from '../http/exchange.js';
import type { Logger } from '../core/logger.js';
import type { RequestState } from '../auth/requestState.js';
import { TAXII_MEDIA_TYPE } from '../taxii/collections.js';
import { acceptsTaxii, isTaxiiContentType } from '../taxii/mediaTypes.js';
import { errorAnswer } from './dialects.js';
import { eventStreamAnswer } from './events.js';
import { HASH_RANGE_MAX_AGE_S, hashRangeTag, hashRangeText, type HashCount } from './hashRange.js';
import { at, bodyError, prepareRoutes, restView, run, type PreparedRoute } from './operations.js';
import { readParams, renameParameter } from './params.js';
import { dialectForPath, ROUTES, type RestRoute } from './routes.js';

export interface RestHandlerOptions {
  schema: GraphQLSchema;
  logger: Logger;
  routes?: readonly RestRoute[];
}

export function createRestHandler(options: RestHandlerOptions) {
  const schema = restView(options.schema);
  const prepared = prepareRoutes(schema, options.routes ?? ROUTES);
  const versionedBodies = new VersionedBodies();

  return async function handleRest(request: Incoming, context: Context, state: RequestState): Promise<Outgoing> {
    const { url } = request;
    let route: PreparedRoute | undefined;
    let release: (() => void) | undefined;
    try {
      let allow: string[] = [];
      let values: Record<string, string> | null = null;
      for (const candidate of prepared) {
        const matched = candidate.match(url.pathname);
        if (!matched) continue;
        state.route = candidate.route.path;
        if (candidate.route.method === request.method) {
          route = candidate;
          values = matched;
          break;
        }
        allow = [...allow, candidate.route.method];
      }
      if (!route || !values) {
        if (allow.length === 0) throw new ApiError('not_found');
        const answer = errorAnswer(new ApiError('method_not_allowed'), dialectForPath(url.pathname), state.requestId);
        answer.headers.allow = allow.join(', ');
        return answer;
      }

      if (route.route.dialect === 'taxii') {
        // TAXII answers only in its media type, and reads only bodies sent in it (docs/api.md §11).
        if (!acceptsTaxii(request.header('accept'))) throw new ApiError('not_acceptable');
        if (route.route.body && !isTaxiiContentType(request.header('content-type')))
          throw new ApiError('unsupported_media_type');
      }
      const variables = readParams(route.route.params, values, url.searchParams, request.header);
      if (route.route.body?.onePerKey)
        release = context.openAnswers.openEnvelope(context.principal, context.requestId, context.signal);
      if (route.route.body) Object.assign(variables, route.route.body.toVariables(await readJsonBody(request, route)));
      if (route.route.response.kind === 'export') return await exportAnswer(route, context, variables);
      if (route.route.response.kind === 'lines')
        return await linesAnswer(route, context, variables, request, versionedBodies);
      if (route.route.response.kind === 'mispEvent') return await mispEventAnswer(route, context, variables);
      if (route.route.response.kind === 'events') return await eventStreamAnswer(route, context, variables);
      const data = await run(route, context, variables);
      return answer(route.route, data, variables, request);
    } catch (error) {
      const apiError = asApiError(error);
      if (apiError.code === 'internal_error')
        options.logger.error({ err: error, request_id: state.requestId }, 'unhandled error');
      const named = route
        ? renameParameter(apiError, route.route.params, { first: 'limit', after: 'cursor' })
        : apiError;
      // The matched route's dialect; a path no route matched speaks its neighbours' (read only then).
      return errorAnswer(named, route?.route.dialect ?? dialectForPath(url.pathname), state.requestId);
    } finally {
      release?.();
    }
  };
}

async function readJsonBody(request: Incoming, route: PreparedRoute): Promise<Record<string, unknown>> {
  const body = await readJson(request, route.route.body?.maxBytes);
  if (!route.checkBody!(body)) throw bodyError(route.checkBody!.errors);
  return body as Record<string, unknown>;
}

interface Page<T> {
  edges: { node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

const EXPORT_PAGE = EXPORT_PAGE_SIZE;

/**
 * Runs the route's listing operation page after page and streams what it reads as a STIX bundle
 * or CSV. The first page is read before anything is sent, so that a refused request still gets
 * its status and error body; each later page is read when the client has taken the one before.
 */
async function exportAnswer(
  route: PreparedRoute,
  context: Context,
  variables: Record<string, unknown>,
): Promise<Outgoing> {
  const { format = 'stix', limit, ...filters } = variables as { format?: 'stix' | 'csv'; limit?: number };
  const field = route.route.response.kind === 'export' ? route.route.response.field : '';
  const read = async (after: string | null, remaining: number) =>
    at(
      await run(route, context, { ...filters, first: Math.min(EXPORT_PAGE, remaining), after }),
      field,
    ) as Page<RestIoc>;
  let remaining = limit ?? Number.POSITIVE_INFINITY;
  // Counted from here (429 beyond the key's share, docs/api.md §12) until the last page is sent or the client goes.
  const release = context.openAnswers.openExport(context.principal, context.signal);
  let first: Page<RestIoc>;
  try {
    first = await read(null, remaining);
  } catch (error) {
    release();
    throw error;
  }
  async function* pages(): AsyncGenerator<RestIoc[]> {
    try {
      for (let page = first; ; page = await read(page.pageInfo.endCursor, remaining)) {
        const iocs = page.edges.map((edge) => edge.node);
        remaining -= iocs.length;
        yield iocs;
        if (!page.pageInfo.hasNextPage || remaining <= 0 || context.signal.aborted) return;
      }
    } finally {
      release();
    }
  }
  const name = `iocs-${new Date().toISOString().slice(0, 19).replace(/:/g, '')}Z`;
  return format === 'csv'
    ? {
        status: 200,
        headers: {
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': `attachment; filename="${name}.csv"`,
        },
        body: csvDocument(pages()),
      }
    : {
        status: 200,
        headers: { 'content-type': STIX_MEDIA_TYPE, 'content-disposition': `attachment; filename="${name}.json"` },
        body: stixBundle(pages(), context.principal.workspace),
      };
}

interface LinesPage {
  /** `count` lines, without the newline after the last. */
  text: string;
  count: number;
  endCursor: string | null;
  hasNextPage: boolean;
}

/**
 * Pages of one operation streamed by `read(after)` from the first, which is read before anything
 * is sent (a refused request still gets its status and error body), each later one while the one
 * before is sent; counted as an open export of the key until the last is sent or the client goes
 * (docs/api.md §12).
 */
async function streamedPages<P extends { endCursor: string | null; hasNextPage: boolean }>(
  context: Context,
  read: (after: string | null) => Promise<P>,
): Promise<AsyncGenerator<P>> {
  const release = context.openAnswers.openExport(context.principal, context.signal);
  let first: P;
  try {
    first = await read(null);
  } catch (error) {
    release();
    throw error;
  }
  return (async function* pages() {
    try {
      for (let page = first; ;) {
        // The next page is read while this one is sent: the database and the socket overlap, and
        // no more than two pages are held at a time.
        const next = page.hasNextPage && !context.signal.aborted ? read(page.endCursor) : null;
        next?.catch(() => {});
        yield page;
        if (!next || context.signal.aborted) return;
        page = await next;
      }
    } finally {
      release();
    }
  })();
}

/**
 * Versioned bodies already sent, by version (which names the workspace, the filters, the last
 * change and the hour) and limit: firewalls poll the same list every few minutes, and every poll of
 * a version after the first is answered from here without reading it again. At most 64 MB in all,
 * 16 MB a body, the least recently used dropped first.
 */
const KEPT_BODY_MAX = 16 * 1024 * 1024;

class VersionedBodies {
  private readonly cache = new LRUCache<string, string>({
    maxSize: 64 * 1024 * 1024,
    maxEntrySize: KEPT_BODY_MAX,
    sizeCalculation: (body) => Math.max(1, body.length),
  });

  get(key: string): string | undefined {
    return this.cache.get(key);
  }

  /** The body as it streams, kept once it has streamed whole (not when the client left halfway, nor past 16 MB). */
  async *kept(key: string, body: AsyncGenerator<string>, signal: AbortSignal): AsyncGenerator<string> {
    const chunks: string[] = [];
    let size = 0;
    for await (const chunk of body) {
      if (size <= KEPT_BODY_MAX) chunks.push(chunk);
      size += chunk.length;
      yield chunk;
    }
    if (!signal.aborted && size <= KEPT_BODY_MAX) this.cache.set(key, chunks.join(''));
  }
}

/**
 * Plain-text lines (block lists, `hashes.csv`; docs/api.md §14). A versioned list reads its
 * version alone first: a conditional GET that still matches is answered 304 before any value is read.
 */
async function linesAnswer(
  route: PreparedRoute,
  context: Context,
  variables: Record<string, unknown>,
  request: Incoming,
  bodies: VersionedBodies,
): Promise<Outgoing> {
  const response = route.route.response as Extract<RestRoute['response'], { kind: 'lines' }>;
  const { limit, ...filters } = variables as { limit?: number };
  const headers: Record<string, string> = { 'content-type': response.contentType };
  let cacheKey: string | null = null;
  if (response.versioned) {
    const data = await run(route, context, { ...filters, withVersion: true, withPage: false });
    const version = at(data, 'version') as { etag: string; lastModified: string };
    headers.etag = version.etag;
    headers['last-modified'] = new Date(version.lastModified).toUTCString();
    if (notModified(request, version))
      return { status: 304, headers: { etag: headers.etag, 'last-modified': headers['last-modified'] }, body: null };
    cacheKey = `${route.route.path} ${version.etag} ${limit ?? ''}`;
    const cached = bodies.get(cacheKey);
    if (cached !== undefined) return { status: 200, headers, body: cached };
  }
  let remaining = limit ?? Number.POSITIVE_INFINITY;
  const pages = await streamedPages(context, async (after) => {
    const page = at(
      await run(route, context, {
        ...filters,
        ...(response.versioned ? { withVersion: false, withPage: true } : {}),
        first: Math.min(response.pageSize, remaining),
        after,
      }),
      'page',
    ) as LinesPage;
    remaining -= page.count;
    return remaining <= 0 ? { ...page, hasNextPage: false } : page;
  });
  async function* body(): AsyncGenerator<string> {
    for await (const page of pages) if (page.count > 0) yield `${page.text}\n`;
  }
  return { status: 200, headers, body: cacheKey ? bodies.kept(cacheKey, body(), context.signal) : body() };
}

/**
 * Whether a conditional GET's validators still hold (RFC 9110 §13.1): `If-None-Match` (weak
 * comparison, `*` any) decides when given; otherwise `If-Modified-Since`, to the second.
 */
function notModified(request: Incoming, version: { etag: string; lastModified?: string }): boolean {
  const ifNoneMatch = request.header('if-none-match');
  if (ifNoneMatch !== null) {
    const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
    return ifNoneMatch.trim() === '*' || ifNoneMatch.split(',').some((tag) => opaque(tag) === opaque(version.etag));
  }
  if (version.lastModified === undefined) return false;
  const since = Date.parse(request.header('if-modified-since') ?? '');
  return Number.isFinite(since) && Math.floor(Date.parse(version.lastModified) / 1000) * 1000 <= since;
}

interface MispEventPage {
  event: Record<string, unknown> | null;
  attributes: unknown[];
  endCursor: string | null;
  hasNextPage: boolean;
}

/** A MISP event as MISP reads it, `{ "Event": { …, "Attribute": [ … ] } }`, its attributes streamed page by page. */
async function mispEventAnswer(
  route: PreparedRoute,
  context: Context,
  variables: Record<string, unknown>,
): Promise<Outgoing> {
  const response = route.route.response as Extract<RestRoute['response'], { kind: 'mispEvent' }>;
  const pages = await streamedPages(context, async (after) => {
    const page = at(
      await run(route, context, { ...variables, first: response.pageSize, after }),
      response.field,
    ) as MispEventPage | null;
    if (!page) throw new ApiError('not_found', 'No MISP event with this UUID in this collection.');
    return page;
  });
  async function* body(): AsyncGenerator<string> {
    let separator = '';
    for await (const page of pages) {
      if (page.event) yield `{"Event":${JSON.stringify({ ...page.event, Attribute: [] }).slice(0, -3)}[`;
      if (page.attributes.length === 0) continue;
      yield `${separator}${page.attributes.map((attribute) => JSON.stringify(attribute)).join(',')}`;
      separator = ',';
    }
    yield ']}}';
  }
  return { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: body() };
}

function answer(route: RestRoute, data: unknown, variables: Record<string, unknown>, request: Incoming): Outgoing {
  const { response } = route;
  switch (response.kind) {
    case 'export':
    case 'events':
    case 'lines':
    case 'mispEvent':
      throw new Error('streamed answers are made by exportAnswer, eventStreamAnswer, linesAnswer and mispEventAnswer');
    case 'document':
      return json(JSON.stringify(at(data, response.field)), 200);
    case 'empty':
      return noContent();
    case 'object': {
      let value = at(data, response.field) as Record<string, unknown> | null | undefined;
      if (value === null || value === undefined) throw new ApiError('not_found');
      let status: 200 | 201 | 202 = response.status;
      if (response.createdFlag) {
        const { [response.createdFlag]: created, ...rest } = value;
        if (created === false) status = 200;
        value = rest;
      }
      if (response.spread) {
        const { [response.spread]: inner, ...rest } = value;
        value = { ...(inner as Record<string, unknown>), ...rest };
      }
      return json(JSON.stringify({ data: value }), status);
    }
    case 'list':
      return json(JSON.stringify({ data: at(data, response.field) }), 200);
    case 'hashRange': {
      const pad = request.header('add-padding')?.trim().toLowerCase() === 'true';
      const found = at(data, response.field) as HashCount[];
      // The same for every caller with the permission: a cache in front may keep it (docs/api.md §16).
      // The tag names what was found; a padded answer differs each time but says the same.
      const headers = {
        'cache-control': `public, max-age=${HASH_RANGE_MAX_AGE_S}`,
        etag: hashRangeTag(found),
        vary: 'Add-Padding',
      };
      if (notModified(request, { etag: headers.etag })) return { status: 304, headers, body: null };
      const text = hashRangeText(found, pad, variables.mode === 'NTLM' ? 27 : 35);
      return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers }, body: text };
    }
    case 'taxii':
      return taxiiAnswer(response, at(data, response.field));
    case 'page': {
      const page = at(data, response.field) as {
        edges: { node: unknown }[];
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
      return json(
        JSON.stringify({
          data: page.edges.map((edge) => edge.node),
          pagination: {
            limit: variables.first,
            next_cursor: page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null,
            has_more: page.pageInfo.hasNextPage,
          },
        }),
        200,
      );
    }
  }
}

/** A TAXII resource in the TAXII media type (docs/api.md §11); see the `taxii` response of the route table. */
function taxiiAnswer(response: Extract<RestRoute['response'], { kind: 'taxii' }>, value: unknown): Outgoing {
  if (value === null || value === undefined) throw new ApiError('not_found');
  const headers: Record<string, string> = { 'content-type': TAXII_MEDIA_TYPE };
  let body: unknown = value;
  switch (response.resource) {
    case 'discovery': {
      const { title, description } = value as { title: string; description: string };
      // Relative, as TAXII allows: right behind any proxy, whatever the Host header said.
      body = { title, description, default: '/taxii2/api/', api_roots: ['/taxii2/api/'] };
      break;
    }
    case 'collections':
      body = { collections: value };
      break;
    case 'page': {
      const { date_added_first: first, date_added_last: last, next, more, ...list } = value as Record<string, unknown>;
      if (typeof first === 'string') headers['x-taxii-date-added-first'] = first;
      if (typeof last === 'string') headers['x-taxii-date-added-last'] = last;
      // TAXII lists hold one item or more: an empty one is left out, as is `next` on the last page.
      const [[name, items]] = Object.entries(list) as [[string, unknown[]]];
      body = { more, ...(next ? { next } : {}), ...(items.length > 0 ? { [name]: items } : {}) };
      break;
    }
    case 'resource':
      // Optional members without a value (a status detail's message) are left out, not written as null.
      return {
        status: response.status ?? 200,
        headers,
        body: JSON.stringify(body, (_key, member: unknown) => (member === null ? undefined : member)),
      };
  }
  return { status: response.status ?? 200, headers, body: JSON.stringify(body) };
}
