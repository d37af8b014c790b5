/**
 * Operations compiled once with graphql-jit and run many times: a fixed document costs no parse,
 * no validation and no interpretation per request (docs/performance.md, "Where the time went": about 12 µs instead of 100 µs
 * of execution for a 10-row answer, and 335 µs of parse and validation saved).
 */
import {
  Kind,
  specifiedRules,
  subscribe,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLError,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { Context } from './context.js';

export interface CompiledOperation {
  kind: 'query' | 'mutation' | 'subscription';
  run(context: Context, variables: Record<string, unknown> | undefined): Promise<ExecutionResult> | ExecutionResult;
  /** For subscriptions: the stream of results, or the result that refused to start one. */
  subscribe(
    context: Context,
    variables: Record<string, unknown> | undefined,
  ): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult>;
}

/**
 * Runs a compiled operation the way every door does (GraphQL, REST, TAXII): a query where the
 * context reads (a read replica when one is ready for the caller), a mutation on the primary, after
 * which the workspace's next reads wait for a replica that has replayed it.
 */
export async function runOperation(
  operation: CompiledOperation,
  context: Context,
  variables: Record<string, unknown> | undefined,
): Promise<ExecutionResult> {
  if (operation.kind === 'query') return context.reading(async (reads) => operation.run(reads, variables));
  const result = await operation.run(context, variables);
  if (operation.kind === 'mutation') await context.wrote();
  return result;
}

export interface CompileOptions {
  operationName?: string | undefined;
  rules?: readonly ValidationRule[];
  /**
   * The resolvers already return every enum and built-in scalar in its wire form, so the compiled
   * code passes them through instead of calling a serializer for each. graphql-jit builds a path and
   * a location array for every such call, row after row (the largest share of a lookup's garbage:
   * docs/performance.md); custom scalars (`DateTime`) are still serialized. True for the REST view,
   * whose enums leave as stored; not for GraphQL, whose enums leave by name.
   */
  leavesInWireForm?: boolean;
}

/** A validated document compiled for `schema`, or the errors that keep it from running. */
export function compileDocument(
  schema: GraphQLSchema,
  document: DocumentNode,
  { operationName, rules = specifiedRules, leavesInWireForm = false }: CompileOptions = {},
): CompiledOperation | { errors: readonly GraphQLError[] } {
  const errors = validate(schema, document, rules);
  if (errors.length > 0) return { errors };
  const operation = document.definitions.find(
    (d) => d.kind === Kind.OPERATION_DEFINITION && (operationName === undefined || d.name?.value === operationName),
  );
  if (!operation || operation.kind !== Kind.OPERATION_DEFINITION) return { errors: [] };
  const compiled = compileQuery(schema, document, operationName, {
    disablingCapturingStackErrors: true,
    disableLeafSerialization: leavesInWireForm,
  });
  if (!isCompiledQuery(compiled)) return { errors: compiled.errors ?? [] };
  const query = compiled as CompiledQuery;
  return {
    kind: operation.operation,
    run: (context, variables) => query.query(undefined, context, variables ?? {}),
    // graphql-js runs subscriptions: graphql-jit's coerces the variables again for each event,
    // and enum values then fail (`"url"` is not `URL`).
    subscribe: (context, variables) =>
      subscribe({
        schema,
        document,
        contextValue: context,
        variableValues: variables ?? {},
        ...(operationName ? { operationName } : {}),
      }),
  };
}
