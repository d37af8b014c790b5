/**
 * The direct adapter: GraphQL requests served from `node:http` without Yoga's machinery (its
 * handler costs about three times the CPU per request: docs/performance.md, "Where the time went"). It takes a JSON POST or a
 * GET whose parameters are well-formed and whose client accepts JSON, and runs them through the one
 * pipeline (src/graphql/pipeline.ts). Everything else (event streams, forms, batches,
 * subscriptions, malformed parameters) it leaves to Yoga, which runs the same pipeline through
 * its hooks (src/graphql/yoga.ts). The key was admitted at the edge before this is called.
 */
import { bodyText, parseJson } from '../http/body.js';
import type { Incoming, Outgoing } from '../http/exchange.js';
import type { Context } from './context.js';
import {
  isJsonContentType,
  negotiateMediaType,
  paramsFromQueryString,
  readParams,
  type GraphQLParams,
  type GraphQLPipeline,
} from './pipeline.js';

export function createDirectAdapter(pipeline: GraphQLPipeline) {
  /** The answer, or null when Yoga should answer this request. `body` is the request's, already read. */
  return async function serveDirect(
    request: Incoming,
    body: Buffer | null,
    context: Context,
  ): Promise<Outgoing | null> {
    const mediaType = negotiateMediaType(request.header('accept'));
    if (!mediaType) return null;
    const params = paramsOf(request, body);
    if (!params) return null;
    const result = await pipeline.execute(params, context, request.method);
    return result && pipeline.render(result, mediaType, context.requestId);
  };
}

function paramsOf(request: Incoming, body: Buffer | null): GraphQLParams | null {
  if (request.method === 'GET') return paramsFromQueryString(request.url.searchParams);
  if (request.method !== 'POST' || !body || !isJsonContentType(request.header('content-type'))) return null;
  try {
    return readParams(parseJson(bodyText(body)));
  } catch {
    return null;
  }
}
