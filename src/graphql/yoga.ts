/**
 * The configured Yoga handler. Authentication happens in context creation: a request whose key
 * fails is answered with HTTP 401 (or the §4 status) and no `data`. Every error leaves with a §4
 * code and the request id; anything unexpected is masked.
 */
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { createYoga, type Plugin } from 'graphql-yoga';
import { admit, type Gatekeeper } from '../auth/authenticate.js';
import type { Db } from '../db/client.js';
import type { IocChangeFeed } from '../iocs/changes.js';
import type { Logger } from '../logger.js';
import type { RequestState } from '../requestState.js';
import { createContext, type Context } from './context.js';
import { asHttpError, maskError, withRequestId } from './errors.js';
import { extraValidationRules, MAX_TOKENS } from './validation.js';

export interface GraphQLHandlerOptions {
  schema: GraphQLSchema;
  db: Db;
  changes: IocChangeFeed;
  gatekeeper: Gatekeeper;
  logger: Logger;
  production: boolean;
}

/** What the HTTP layer hands to Yoga with each request. */
export interface ServerContext {
  requestState: RequestState;
}

export function createGraphQLHandler(options: GraphQLHandlerOptions) {
  const { db, gatekeeper, logger } = options;
  return createYoga<ServerContext, Context>({
    schema: options.schema,
    graphqlEndpoint: '/graphql',
    graphiql: !options.production,
    landingPage: false,
    logging: false,
    maskedErrors: { maskError: (error) => maskError(error, logger) },
    plugins: [maxTokensPlugin({ n: MAX_TOKENS, exposeLimits: true }), requestIdOnErrors(), extraValidation(options.production)],
    context: async ({ request, requestState }): Promise<Context> => {
      try {
        const principal = await admit((name) => request.headers.get(name), new URL(request.url).searchParams, gatekeeper, requestState);
        return createContext(requestState.requestId, principal, db, options.changes);
      } catch (error) {
        throw asHttpError(maskError(error, logger), requestState.requestId);
      }
    },
  });
}

/** The validation rules of src/graphql/validation.ts that graphql-js does not apply by itself. */
function extraValidation(production: boolean): Plugin<Record<string, never>, ServerContext> {
  const rules = extraValidationRules(production);
  return {
    onValidate({ addValidationRule }) {
      for (const rule of rules) addValidationRule(rule);
    },
  };
}

/**
 * Adds `extensions.request_id` to every error of a result, and speaks the §4 vocabulary for
 * variables that do not fit their declared types.
 */
function requestIdOnErrors(): Plugin<Record<string, never>, ServerContext> {
  return {
    onResultProcess({ result, setResult, serverContext }) {
      if (Array.isArray(result) || Symbol.asyncIterator in result || !result.errors?.length) return;
      const requestId = serverContext.requestState.requestId;
      setResult({
        ...result,
        errors: result.errors.map((error) => withRequestId(error as GraphQLError, requestId)),
      });
    },
  };
}
