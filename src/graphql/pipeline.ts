/**
 * The one GraphQL pipeline (docs/api.md §7): parameters checked, the document parsed, validated and
 * compiled once per text (cached), its cost counted with the request's variables, executed, and
 * rendered. Both HTTP adapters, the direct one (src/graphql/direct.ts) and Yoga's (through its
 * `onParams` and `onResultProcess` hooks, src/graphql/yoga.ts), go through this module, so that
 * one request gets one answer whichever adapter serves it. The key was checked before any of it
 * (src/edge/app.ts): a caller without a valid key never reaches a parser.
 */
import {
  getOperationAST,
  GraphQLError,
  Kind,
  parse,
  type ExecutionResult,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import { json, type Outgoing } from '../http/exchange.js';
import type { Logger } from '../core/logger.js';
import { compileDocument, runOperation, type CompiledOperation } from './compiled.js';
import type { Context } from './context.js';
import { MAX_COST, operationCost, type CostedOperation } from './cost.js';
import { ApiError } from '../core/errors.js';
import { asHttpError, maskError, publicError, withRequestId } from './errors.js';
import { MAX_TOKENS, validationRules } from './validation.js';

export type GraphQLMediaType = 'application/json' | 'application/graphql-response+json';

export interface GraphQLParams {
  query: string;
  variables?: Record<string, unknown> | null | undefined;
  operationName?: string | null | undefined;
}

interface Prepared {
  operation: CompiledOperation;
  cost: CostedOperation;
}

/** Documents kept compiled. Only callers with a valid key reach the cache, each within its rate limit. */
const CACHED_DOCUMENTS = 500;

/**
 * The media type of the answer (GraphQL over HTTP): `application/graphql-response+json` when the
 * client prefers it, `application/json` when it accepts JSON, anything, or says nothing; null when
 * it accepts neither (an event stream, a web page: Yoga's to answer, or 406).
 */
export function negotiateMediaType(accept: string | null | undefined): GraphQLMediaType | null {
  if (!accept) return 'application/json';
  let best: { type: GraphQLMediaType; q: number } | null = null;
  for (const part of accept.split(',')) {
    const [range = '', ...parameters] = part.split(';').map((s) => s.trim().toLowerCase());
    const qParameter = parameters.find((p) => p.startsWith('q='));
    const q = qParameter ? Number(qParameter.slice(2)) : 1;
    if (!(q > 0)) continue;
    const type: GraphQLMediaType | null =
      range === 'application/graphql-response+json'
        ? 'application/graphql-response+json'
        : range === 'application/json' || range === 'application/*' || range === '*/*'
          ? 'application/json'
          : null;
    if (type && (!best || q > best.q)) best = { type, q };
  }
  return best?.type ?? null;
}

/**
 * Whether a request body is JSON, by its content type matched case-insensitively:
 * `application/json`, or `application/graphql+json`, the media type of the specification's drafts.
 */
export function isJsonContentType(contentType: string | null): boolean {
  const essence = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return essence === 'application/json' || essence === 'application/graphql+json';
}

/**
 * The GraphQL parameters of a JSON body or a GET's query string, or null when they are not
 * well-formed (Yoga then answers with its own parameter errors).
 */
export function readParams(source: unknown): GraphQLParams | null {
  if (typeof source !== 'object' || source === null || Array.isArray(source)) return null;
  const { query, variables, operationName, extensions } = source as Record<string, unknown>;
  if (typeof query !== 'string') return null;
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables)))
    return null;
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return null;
  if (extensions !== undefined && extensions !== null && (typeof extensions !== 'object' || Array.isArray(extensions)))
    return null;
  return { query, variables: variables as Record<string, unknown> | null | undefined, operationName: operationName };
}

/** A GET's parameters: `query`, `operationName`, and `variables` as JSON text. */
export function paramsFromQueryString(search: URLSearchParams): GraphQLParams | null {
  const variables = search.get('variables');
  let parsed: unknown = undefined;
  if (variables) {
    try {
      parsed = JSON.parse(variables);
    } catch {
      return null;
    }
  }
  return readParams({
    query: search.get('query') ?? undefined,
    operationName: search.get('operationName') ?? undefined,
    variables: parsed,
  });
}

export class GraphQLPipeline {
  private readonly cache = new Map<string, Prepared | readonly GraphQLError[]>();
  private readonly rules: readonly ValidationRule[];

  constructor(
    private readonly schema: GraphQLSchema,
    production: boolean,
    private readonly logger: Logger,
  ) {
    this.rules = validationRules(production);
  }

  /**
   * Runs a query or mutation. A document that does not parse or validate, costs too much, or is a
   * mutation sent with GET comes back as a result with errors and no `data`. Subscriptions are
   * not run here (null): Yoga streams them.
   */
  async execute(params: GraphQLParams, context: Context, method: string): Promise<ExecutionResult | null> {
    const prepared = this.prepare(params.query, params.operationName ?? undefined);
    if (!('operation' in prepared)) return { errors: prepared };
    const { operation, cost } = prepared;
    if (operation.kind === 'subscription') return null;
    if (operation.kind === 'mutation' && method !== 'POST') {
      return {
        errors: [
          new GraphQLError('Mutations are sent with POST.', {
            extensions: { code: 'method_not_allowed', http: { status: 405, headers: { allow: 'POST' } } },
          }),
        ],
      };
    }
    const variables = params.variables ?? undefined;
    const total = cost.cost(variables);
    if (total > MAX_COST) {
      return {
        errors: [
          new GraphQLError(
            `The query could return up to ${total} values, more than the ${MAX_COST} allowed: ask for smaller pages (first), fewer fields or fewer aliases.`,
            { extensions: { code: 'invalid_parameter' } },
          ),
        ],
      };
    }
    return runOperation(operation, context, variables);
  }

  /** The compiled operation for a text, or the errors that keep it from running; cached both ways. */
  prepare(query: string, operationName: string | undefined): Prepared | readonly GraphQLError[] {
    const key = operationName === undefined ? query : `${operationName}\u0000${query}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const prepared = this.compile(query, operationName);
    if (this.cache.size >= CACHED_DOCUMENTS) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, prepared);
    return prepared;
  }

  private compile(query: string, operationName: string | undefined): Prepared | readonly GraphQLError[] {
    let document;
    try {
      document = parse(query, { maxTokens: MAX_TOKENS });
    } catch (error) {
      if (!(error instanceof GraphQLError)) return [new GraphQLError('The document does not parse.')];
      // graphql-js stops at the limit with a misspelt sentence; say what happened and what to do.
      if (/more th\w+ \d+ tokens/.test(error.message)) {
        return [
          new GraphQLError(
            `Token limit of ${MAX_TOKENS} exceeded: send a shorter document (variables carry long lists in fewer tokens).`,
          ),
        ];
      }
      return [error];
    }
    const compiled = compileDocument(this.schema, document, { operationName, rules: this.rules });
    if (!('run' in compiled)) {
      return compiled.errors.length > 0
        ? compiled.errors
        : [
            new GraphQLError(
              operationName
                ? `Unknown operation named "${operationName}".`
                : 'The document holds several operations: name one with operationName.',
            ),
          ];
    }
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    const operationNode = getOperationAST(document, operationName)!;
    return { operation: compiled, cost: operationCost(this.schema, operationNode, fragments) };
  }

  /**
   * The one way a GraphQL answer leaves: errors masked, with §4 codes and the request id; the
   * status the errors ask for (a lost database 503, a refused key 401), else 200, except that
   * `application/graphql-response+json` answers a request that never executed with 400, as the
   * GraphQL-over-HTTP specification asks.
   */
  render(result: ExecutionResult, mediaType: GraphQLMediaType, requestId: string): Outgoing {
    return renderResult(result, mediaType, requestId, this.logger);
  }
}

/** See GraphQLPipeline.render; also the answer to a request refused at the edge (no key, 413). */
export function renderResult(
  result: ExecutionResult,
  mediaType: GraphQLMediaType,
  requestId: string,
  logger: Logger,
): Outgoing {
  const headers: Record<string, string> = {};
  let status = 200;
  if (!result.errors?.length)
    return json(JSON.stringify({ data: result.data }), 200, { 'content-type': `${mediaType}; charset=utf-8` });
  const executed = result.data !== undefined;
  const errors = result.errors.map((error) => {
    const masked = maskError(error, logger, requestId);
    // Refused before anything ran (a stream over its count, a subscription without permission):
    // the whole answer takes the refusal's status, as REST would. A malformed input (400) stays
    // under the media type's rule above.
    const refusal =
      masked instanceof ApiError ? masked : masked.originalError instanceof ApiError ? masked.originalError : null;
    return withRequestId(
      !executed && refusal && refusal.status !== 400 ? asHttpError(refusal, requestId) : masked,
      requestId,
    );
  });
  for (const error of errors) {
    const http = error.extensions.http;
    // Yoga marks the statuses only `application/graphql-response+json` asks for as `spec`; a body
    // that is not JSON at all (it names the parser's `originalError`) is a 400 either way.
    const applies = !(http?.spec && mediaType === 'application/json' && !error.extensions.originalError);
    if (applies && http?.status && http.status > status) status = http.status;
    Object.assign(headers, http?.headers);
  }
  if (status === 200 && !executed && mediaType === 'application/graphql-response+json') status = 400;
  const body = { errors: errors.map(publicError), ...(executed ? { data: result.data } : {}) };
  return json(JSON.stringify(body), status, { ...headers, 'content-type': `${mediaType}; charset=utf-8` });
}
