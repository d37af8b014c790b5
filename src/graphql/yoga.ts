/**
 * Yoga, for what the direct adapter leaves to it: subscriptions over Server-Sent
 * Events, forms, and the answers to malformed parameters. Queries and mutations still run through
 * the one pipeline (its `onParams` hook), and every single result is rendered by the pipeline's
 * `render` (its `onResultProcess` hook): the same status, headers and body as the direct adapter.
 * The key was admitted at the edge (src/edge/app.ts); the principal arrives in the request state.
 */
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { isAsyncIterable } from '@graphql-tools/utils';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { createYoga, type GraphQLParams, type Plugin } from 'graphql-yoga';
import { bodyText, parseJson } from '../http/body.js';
import { toResponse } from '../http/exchange.js';
import type { Logger } from '../core/logger.js';
import type { RequestState } from '../auth/requestState.js';
import { withOwnFields, type Context } from './context.js';
import { maskError } from './errors.js';
import { isJsonContentType, negotiateMediaType, readParams, type GraphQLPipeline } from './pipeline.js';
import { extraValidationRules, MAX_TOKENS } from './validation.js';

export interface YogaAdapterOptions {
  schema: GraphQLSchema;
  pipeline: GraphQLPipeline;
  logger: Logger;
  production: boolean;
}

/** What the edge hands to Yoga with each request: its state, and the context once a key was admitted. */
export interface ServerContext {
  requestState: RequestState;
  context?: Context;
}

export function createYogaAdapter(options: YogaAdapterOptions) {
  const { pipeline, logger } = options;
  return createYoga<ServerContext, Context>({
    schema: options.schema,
    graphqlEndpoint: '/graphql',
    // GraphiQL is served by the edge from local assets (src/edge/graphiql.ts), never from a CDN.
    graphiql: false,
    landingPage: false,
    logging: false,
    maskedErrors: { maskError: (error) => maskError(error, logger) },
    plugins: [
      maxTokensPlugin({ n: MAX_TOKENS, exposeLimits: true }),
      extraValidation(options.production),
      throughPipeline(pipeline),
    ],
    context: ({ context }): Context => {
      // Only GraphiQL's page is served without a key, and it builds no context.
      if (!context) throw new Error('a GraphQL operation reached Yoga without an admitted key');
      return withOwnFields(context);
    },
  });
}

/** The validation rules of src/graphql/validation.ts that graphql-js does not apply by itself (subscriptions). */
function extraValidation(production: boolean): Plugin<Record<string, never>, ServerContext> {
  const rules = extraValidationRules(production);
  return {
    onValidate({ addValidationRule }) {
      for (const rule of rules) addValidationRule(rule);
    },
  };
}

function throughPipeline(pipeline: GraphQLPipeline): Plugin<Record<string, never>, ServerContext> {
  return {
    // JSON bodies are read by the one body reader's rules: the content type matched case-insensitively
    // (Yoga matches it exactly), nesting limited; a body that is not JSON is a 400 either way. A body
    // of a type GraphQL does not take gets a 415 that says what to send, not an empty answer.
    onRequestParse({ request, setRequestParser }) {
      if (request.method !== 'POST') return;
      const contentType = request.headers.get('content-type');
      const essence = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
      if (isJsonContentType(contentType)) {
        setRequestParser(async (parsed) => {
          try {
            return parseJson(bodyText(new Uint8Array(await parsed.arrayBuffer()))) as GraphQLParams;
          } catch (error) {
            const message = error instanceof Error ? error.message : 'The body is not valid JSON.';
            throw new GraphQLError(message, { extensions: { code: 'invalid_parameter', http: { status: 400 } } });
          }
        });
      } else if (essence === 'application/x-www-form-urlencoded') {
        setRequestParser(async (parsed) => {
          const text = await parsed.text();
          // `curl -d '{"query": …}'` sends JSON labelled as a form: say so, instead of "no query".
          if (text.trimStart().startsWith('{'))
            throw unsupportedMediaType(`This body is JSON sent as a form (curl -d does that). ${JSON_HINT}`);
          return formParams(new URLSearchParams(text));
        });
      } else if (essence !== 'application/graphql' && essence !== 'multipart/form-data') {
        setRequestParser(() => {
          throw unsupportedMediaType(
            contentType
              ? `A GraphQL POST is JSON, not ${essence}. ${JSON_HINT}`
              : `A GraphQL POST needs a content type. ${JSON_HINT}`,
          );
        });
      }
    },
    async onParams({ params, request, setResult, context }) {
      const server = context;
      const checked = readParams(params);
      if (!checked || !server.context) return;
      const result = await pipeline.execute(checked, server.context, request.method);
      // Subscriptions (null) stay with Yoga, which streams them.
      if (result) setResult(result);
    },
    onResultProcess(payload) {
      const { request, result, serverContext } = payload;
      if (Array.isArray(result) || isAsyncIterable(result)) return;
      const mediaType = negotiateMediaType(request.headers.get('accept'));
      if (!mediaType) return;
      payload.setResultProcessor(
        (processed) =>
          toResponse(pipeline.render(processed as typeof result, mediaType, serverContext.requestState.requestId)),
        mediaType,
      );
    },
  };
}

const JSON_HINT = 'Send {"query": "…", "variables": {…}} with the header Content-Type: application/json.';

function unsupportedMediaType(message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'invalid_parameter', http: { status: 415, headers: { accept: 'application/json' } } },
  });
}

/** A form's GraphQL parameters (GraphQL over HTTP allows them on POST, as Yoga does). */
function formParams(form: URLSearchParams): GraphQLParams {
  const json = (name: string): Record<string, unknown> | undefined => {
    const value = form.get(name);
    if (!value) return undefined;
    try {
      return JSON.parse(value) as Record<string, unknown>;
    } catch {
      throw new GraphQLError(`The form field ${name} is not valid JSON.`, {
        extensions: { code: 'invalid_parameter', http: { status: 400 } },
      });
    }
  };
  return {
    query: form.get('query') ?? undefined,
    operationName: form.get('operationName') ?? undefined,
    variables: json('variables'),
    extensions: json('extensions'),
  };
}
