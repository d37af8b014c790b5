/**
 * Every request enters here, and meets the edge once (docs/api.md §2, §7, §12): a request id; a key
 * in the URL refused; CORS; then, for every path that needs one, the key read and verified and the
 * rate limit spent, before any body is read or any document parsed. The principal then travels in
 * the request state to REST (src/rest/handler.ts) or GraphQL (the direct adapter, else Yoga), which
 * read bodies through the one body reader (src/http/body.ts). Two transports share one `handle`:
 * `handleNode` for the server (the hot paths never build WHATWG objects) and `fetch` for tests and
 * tools. Nothing starts on import.
 */
import type { AlertFeed } from '../alerts/feed.js';
import { defaultWebhookSettings, type WebhookSettings } from '../webhooks/settings.js';
import { txtLookup } from '../workspaces/domains.js';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServerAdapter } from '@whatwg-node/server';
import type { GraphQLSchema } from 'graphql';
import { admit, hasKeyInQuery, type Gatekeeper, type KeyPresentation } from '../auth/authenticate.js';
import { rateLimitHeaders } from '../auth/rateLimiter.js';
import { displayPrefix } from '../auth/keyFormat.js';
import { clientAddressOf } from '../http/clientAddress.js';
import { Statements } from '../db/cancellation.js';
import type { Database } from '../db/client.js';
import type { ReadRouting, ReplicaStatus } from '../db/replicas.js';
import type { IocChangeFeed } from '../iocs/changes.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from './config.js';
import { homePage } from './banner.js';
import { createConsoleHandler } from './console.js';
import { graphiqlPage } from './graphiql.js';
import { ApiError, asApiError } from '../core/errors.js';
import { contextMaker, type ProcessServices } from '../graphql/context.js';
import { watchlistLoaders } from '../watchlists/loaders.js';
import { createDirectAdapter } from '../graphql/direct.js';
import { asHttpError, maskError } from '../graphql/errors.js';
import { GraphQLPipeline, negotiateMediaType, renderResult } from '../graphql/pipeline.js';
import { createYogaAdapter } from '../graphql/yoga.js';
import { readBody } from '../http/body.js';
import { CorsPolicy } from '../http/cors.js';
import {
  fromNode,
  fromRequest,
  isFetchResponse,
  json,
  toResponse,
  writeOutgoing,
  writeResponse,
  type Incoming,
  type Outgoing,
} from '../http/exchange.js';
import { STALLED_READER_MS } from '../http/limits.js';
import { OpenAnswers, type OpenAnswerLimits } from '../http/openAnswers.js';
import type { Logger } from '../core/logger.js';
import type { Metrics } from './metrics.js';
import type { RequestState } from '../auth/requestState.js';
import { errorAnswer, isMispPath, isTaxiiPath, takesBasic } from '../rest/dialects.js';
import { dialectForPath } from '../rest/routes.js';
import { createRestHandler } from '../rest/handler.js';
import { buildOpenApiDocument } from '../rest/openapi.js';

export interface AppOptions {
  database: Database;
  /** Read replicas (`DATABASE_REPLICA_URLS`): where each request's reads go; none: every read on `database`. */
  replicas?: (ReadRouting & { status(): ReplicaStatus[] }) | null;
  schema: GraphQLSchema;
  gatekeeper: Gatekeeper;
  /** New and changed IOCs, for subscriptions and the REST event stream. */
  changes: IocChangeFeed;
  /** New alerts, for the subscription and the REST event stream. */
  alerts: AlertFeed;
  logger: Logger;
  production: boolean;
  /** How long a request may take before it is answered 503 `unavailable` (a hung database). */
  requestTimeoutMs?: number;
  /** Where each answered request is counted, when metrics are on. */
  metrics?: Metrics;
  /** Origins allowed to call from a browser (`CORS_ORIGINS`); none by default. */
  corsOrigins?: readonly string[];
  /** Reverse proxies whose `X-Forwarded-For` names the client (`TRUST_PROXY`); none by default. */
  trustedProxies?: readonly string[];
  /** Streams and exports per caller (docs/api.md §12); the defaults of src/http/limits.ts unless a test asks. */
  openAnswerLimits?: Partial<OpenAnswerLimits>;
  /** How long an answer may wait for a client that reads nothing before it is cut. */
  stalledReaderMs?: number;
  /**
   * Which adapter serves GraphQL: `direct` (the default: JSON requests served straight from
   * node:http, the rest by Yoga) or `yoga` (every request by Yoga, as the parity tests compare).
   */
  graphqlAdapter?: 'direct' | 'yoga';
  /** Where `/metrics` is served, for the page at `/`. */
  metricsUrl?: string | undefined;
  /** Webhook secrets' key, URL policy and retries; an ephemeral key and the strict policy unless given. */
  webhooks?: WebhookSettings;
  /** Where domain verification looks TXT records up (`DNS_SERVERS`); the system's resolvers unless given. */
  dnsServers?: readonly string[];
}

/**
 * `req_` and 24 hex digits from the CSPRNG: unique per request, safe to show and to log.
 * `randomUUID` draws from a buffered pool of entropy, far cheaper per call than `randomBytes`.
 */
export function newRequestId(): string {
  const uuid = randomUUID();
  return `req_${uuid.slice(0, 8)}${uuid.slice(9, 13)}${uuid.slice(15, 18)}${uuid.slice(19, 23)}${uuid.slice(24, 29)}`;
}

/** Paths answered as they are; their own names are their route in metrics. */
const KNOWN_PATHS = new Set(['/', '/graphql', '/healthz', '/readyz', '/api/v1/openapi.json', '/console/']);

export function createApp(options: AppOptions) {
  const { database, logger, gatekeeper, schema } = options;
  const services: ProcessServices = {
    changes: options.changes,
    alerts: options.alerts,
    openAnswers: new OpenAnswers(options.openAnswerLimits),
    webhooks: options.webhooks ?? defaultWebhookSettings(),
    txtLookup: txtLookup(options.dnsServers),
    scopeChanged: (workspaceId) => gatekeeper.verifier.invalidate(`workspace:${workspaceId}`),
    loaders: watchlistLoaders,
  };
  const createContext = contextMaker(services, options.replicas ?? null);
  const pipeline = new GraphQLPipeline(schema, options.production, logger);
  const yoga = createYogaAdapter({ schema, pipeline, logger, production: options.production });
  const direct = options.graphqlAdapter === 'yoga' ? null : createDirectAdapter(pipeline);
  const rest = createRestHandler({ schema, logger });
  const openApi = JSON.stringify(buildOpenApiDocument(schema));
  const serveConsole = createConsoleHandler();
  const cors = new CorsPolicy(options.corsOrigins ?? []);
  const clientAddress = clientAddressOf(options.trustedProxies ?? []);
  const stalledReaderMs = options.stalledReaderMs ?? STALLED_READER_MS;

  async function route(request: Incoming, state: RequestState): Promise<Outgoing | Response> {
    const path = request.url.pathname;
    if (KNOWN_PATHS.has(path)) state.route = path;
    else if (path === '/api/v1' || path.startsWith('/api/v1/')) state.route = '/api/v1/*';
    else if (isTaxiiPath(path)) state.route = '/taxii2/*';
    else if (isMispPath(path)) state.route = '/misp/*';
    else if (path.startsWith('/console/')) state.route = '/console/*';
    // The probes carry no data: a key in their query string concerns them not (docs/api.md §12).
    if (path === '/healthz') return json('{"status":"ok"}', 200);
    if (path === '/readyz') return readiness(database, options.replicas?.status() ?? null);
    // Refused whatever else the request holds, before anything reads it (docs/api.md §2).
    if (hasKeyInQuery(request.url.searchParams)) throw new ApiError('api_key_in_query');
    if (request.method === 'OPTIONS' && request.header('access-control-request-method') !== null)
      return cors.preflight(request.header('origin'));
    if (path === '/graphql') return graphql(request, state);
    if (path === '/api/v1/openapi.json' && request.method === 'GET') return json(openApi, 200);
    // TAXII, the MISP feed and block lists: the same table and step, and HTTP Basic too, for SIEM
    // connectors, MISP instances and firewalls that only offer it (docs/api.md §11, §14).
    if (path === '/api/v1' || path.startsWith('/api/v1/') || isTaxiiPath(path) || isMispPath(path))
      return rest(request, await admitted(request, state, { basic: takesBasic(path) }), state);
    if (path === '/console' || path.startsWith('/console/')) return serveConsole(request.method, path);
    if (path === '/' && (request.method === 'GET' || request.method === 'HEAD')) {
      return homePage(
        { url: '', production: options.production, metricsUrl: options.metricsUrl },
        request.header('accept'),
      );
    }
    return errorAnswer(new ApiError('not_found'), 'soc', state.requestId);
  }

  /** The caller's context once its key is verified and within its rate limit; every keyed path passes here. */
  async function admitted(request: Incoming, state: RequestState, presentation?: KeyPresentation) {
    const principal = await admit(request.header, gatekeeper, state, presentation);
    return createContext(state.requestId, principal, database.forRequest(state.statements), state);
  }

  async function graphql(request: Incoming, state: RequestState): Promise<Outgoing | Response> {
    // GraphiQL's page is the one GraphQL answer without a key: it holds no data, and asks for the key.
    if (!options.production && request.method === 'GET' && (request.header('accept') ?? '').includes('text/html'))
      return graphiqlPage();
    const context = await admitted(request, state);
    // Every content type is read here, within the one limit, before any parser sees it.
    const body = request.method === 'GET' || request.method === 'HEAD' ? null : await readBody(request);
    const answer = direct && (await direct(request, body, context));
    return answer || yoga.fetch(request.toRequest(body ?? undefined), { requestState: state, context });
  }

  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const timedOut = () => new ApiError('unavailable', undefined, { retryAfter: 1 });

  async function handle(request: Incoming, state: RequestState): Promise<Outgoing | Response> {
    const corsHeaders = cors.headers(request.header('origin'));
    if (corsHeaders) state.cors = corsHeaders;
    try {
      return await withTimeout(
        route(request, state).finally(() => state.statements.close()),
        requestTimeoutMs,
        () => {
          // The caller gets 503; what the request still runs in the database is cancelled with it.
          state.statements.cancel();
          return timedOut();
        },
      );
    } catch (error) {
      const path = request.url.pathname;
      if (path === '/graphql') {
        // maskError logs what it masks, with the error itself.
        const mediaType = negotiateMediaType(request.header('accept')) ?? 'application/json';
        return renderResult(
          { errors: [asHttpError(maskError(error, logger, state.requestId), state.requestId)] },
          mediaType,
          state.requestId,
          logger,
        );
      }
      const apiError = asApiError(error);
      if (apiError.code === 'internal_error')
        logger.error({ err: error, request_id: state.requestId }, 'unhandled error');
      const answer = errorAnswer(apiError, dialectForPath(path), state.requestId);
      // Firewalls and MISP ask for credentials only when told that Basic is taken (TAXII says so itself).
      if (apiError.status === 401 && takesBasic(path) && !isTaxiiPath(path))
        answer.headers['www-authenticate'] = 'Basic realm="threat-intel-api", Bearer';
      return answer;
    }
  }

  function logRequest(request: Incoming, state: RequestState, status: number, started: number): void {
    options.metrics?.observe(state.route ?? 'unmatched', request.method, status, (performance.now() - started) / 1000);
    logger.info({
      method: request.method,
      // The path only: a query string may hold a key (docs/api.md §3).
      path: request.url.pathname,
      status,
      duration_ms: Math.round((performance.now() - started) * 100) / 100,
      request_id: state.requestId,
      // As the console, the CLI and GraphQL show it: `sk_live_` and the 12 characters after.
      key_prefix: state.principal && displayPrefix(state.principal.key.prefix),
      workspace_id: state.principal?.workspace.id,
      // With read replicas: where the request's reads went (`primary`, or the replica's name).
      ...(state.database ? { database: state.database } : {}),
    });
  }

  const adapter = createServerAdapter(async (fetchRequest: Request): Promise<Response> => {
    const started = performance.now();
    const state: RequestState = {
      requestId: newRequestId(),
      signal: fetchRequest.signal,
      statements: new Statements(),
    };
    const request = fromRequest(fetchRequest);
    const result = await handle(request, state);
    const response = isFetchResponse(result) ? result : toResponse(result);
    for (const [name, value] of Object.entries(answerHeaders(state))) response.headers.set(name, value);
    logRequest(request, state, response.status, started);
    return response;
  });

  return {
    /** What is open per caller now (streams, exports, envelopes): read by tests. */
    openAnswers: services.openAnswers,
    /** The fetch API entry: `app.fetch(new Request(…))`. */
    fetch: (request: Request) => Promise.resolve(adapter.fetch(request)),
    /** The `node:http` request listener. */
    async handleNode(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const started = performance.now();
      const state = new NodeRequestState(newRequestId(), clientAddress(req), res);
      let request: Incoming;
      try {
        request = fromNode(req);
      } catch {
        void writeOutgoing(
          res,
          errorAnswer(new ApiError('invalid_parameter', 'The request URL is malformed.'), 'soc', state.requestId),
          answerHeaders(state),
        );
        return;
      }
      try {
        const result = await handle(request, state);
        if (isFetchResponse(result)) await writeResponse(res, result, answerHeaders(state), stalledReaderMs);
        else await writeOutgoing(res, result, answerHeaders(state), stalledReaderMs);
      } catch (error) {
        // Only a broken connection gets here (handle answers every error itself).
        logger.warn({ err: error, request_id: state.requestId }, 'answer not delivered');
        if (!res.headersSent)
          void writeOutgoing(
            res,
            errorAnswer(new ApiError('internal_error'), 'soc', state.requestId),
            answerHeaders(state),
          );
        else res.destroy();
      }
      logRequest(request, state, res.statusCode, started);
    },
  };
}

/**
 * The state of a request served by node:http. Its `signal` is made only when something asks (a
 * stream, an export): most requests never need one, and an AbortController is not free.
 */
class NodeRequestState implements RequestState {
  principal?: RequestState['principal'];
  route?: string;
  rateLimit?: RequestState['rateLimit'];
  cors?: Record<string, string>;
  readonly statements = new Statements();
  private gone: AbortController | undefined;

  constructor(
    readonly requestId: string,
    readonly clientAddress: string | undefined,
    private readonly res: ServerResponse,
  ) {}

  get signal(): AbortSignal {
    if (!this.gone) {
      const gone = (this.gone = new AbortController());
      // `close` also follows a complete answer; aborting then stops nothing that still runs.
      if (this.res.closed) gone.abort();
      else this.res.once('close', () => gone.abort());
    }
    return this.gone.signal;
  }
}

/** The headers every answer carries: its request id, CORS, and, once a key was admitted, its rate limit. */
function answerHeaders(state: RequestState): Record<string, string> {
  const headers = state.rateLimit ? rateLimitHeaders(state.rateLimit) : {};
  if (state.cors) Object.assign(headers, state.cors);
  headers['x-request-id'] = state.requestId;
  return headers;
}

async function readiness(database: Database, replicas: ReplicaStatus[] | null): Promise<Outgoing> {
  try {
    await withTimeout(database.ping(), 2000, () => new Error('no answer from the database'));
    // Replicas only add capacity: one that is down or lagging is skipped, and the server stays ready.
    if (!replicas) return json('{"status":"ready"}', 200);
    const listed = replicas.map(({ name, usable, lagMs }) => ({ name, usable, lag_ms: lagMs }));
    return json(JSON.stringify({ status: 'ready', replicas: listed }), 200);
  } catch {
    return json('{"status":"not_ready","reason":"database unreachable"}', 503);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, failure: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(failure()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
