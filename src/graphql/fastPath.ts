/**
 * The common GraphQL request, served without Yoga's machinery: a JSON POST of a query that
 * parses and validates. Its compiled form is cached by its text; the key, the context, the error
 * vocabulary and masking are exactly those of the Yoga path (src/graphql/errors.ts). Anything
 * else (GET, GraphiQL, invalid documents, subscriptions, batches) returns null and goes to Yoga,
 * which answers it as the GraphQL-over-HTTP spec says.
 */
import type { GraphQLError, GraphQLSchema } from 'graphql';
import { admit, type Gatekeeper } from '../auth/authenticate.js';
import type { Db } from '../db/client.js';
import type { IocChangeFeed } from '../iocs/changes.js';
import { json, type Incoming, type Outgoing } from '../http/exchange.js';
import type { Logger } from '../logger.js';
import type { RequestState } from '../requestState.js';
import { CompiledCache } from './compiled.js';
import { createContext } from './context.js';
import { failedRequestAnswer, httpOf, maskError, publicError, withRequestId } from './errors.js';
import { MAX_TOKENS, validationRules } from './validation.js';

/** GraphQL bodies above this size go to Yoga, which refuses them by its own rules. */
export const MAX_GRAPHQL_BODY_BYTES = 1024 * 1024;

export interface FastPathOptions {
  schema: GraphQLSchema;
  production: boolean;
  db: Db;
  changes: IocChangeFeed;
  gatekeeper: Gatekeeper;
  logger: Logger;
}

interface Params {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
}

function readParams(body: Buffer): Params | null {
  let params: unknown;
  try {
    params = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof params !== 'object' || params === null || Array.isArray(params)) return null;
  const { query, variables, operationName, extensions } = params as Record<string, unknown>;
  if (typeof query !== 'string' || extensions !== undefined) return null;
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) return null;
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return null;
  return params as Params;
}

export function isFastPathCandidate(request: Incoming): boolean {
  return request.method === 'POST' && (request.header('content-type') ?? '').startsWith('application/json');
}

export function createGraphQLFastPath(options: FastPathOptions) {
  const cache = new CompiledCache(options.schema, validationRules(options.production), MAX_TOKENS);

  return async function handle(request: Incoming, body: Buffer, state: RequestState): Promise<Outgoing | null> {
    const params = readParams(body);
    if (!params) return null;
    const operation = cache.get(params.query, params.operationName ?? undefined);
    if (!operation || operation.kind === 'subscription') return null;

    let principal;
    try {
      principal = await admit(request.header, request.url.searchParams, options.gatekeeper, state);
    } catch (error) {
      return failedRequestAnswer(error, state.requestId, options.logger);
    }

    const result = await operation.run(createContext(state.requestId, principal, options.db, options.changes), params.variables ?? undefined);
    if (!result.errors?.length) return json(JSON.stringify({ data: result.data }), 200);
    const errors = result.errors.map((error) => withRequestId(maskError(error, options.logger), state.requestId));
    const { status, headers } = httpOf(errors as GraphQLError[]);
    // No `data` at all when execution never started (variables that do not fit), as Yoga answers.
    const data = result.data === undefined ? {} : { data: result.data };
    return json(JSON.stringify({ errors: errors.map(publicError), ...data }), status, headers);
  };
}
