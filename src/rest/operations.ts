/**
 * The GraphQL side of the REST layer: every route's operation parsed and validated once at
 * start-up against a REST view of the schema, then executed per request with the same context a
 * GraphQL request gets, so the two can never disagree about who may see what.
 */
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import {
  GraphQLError,
  isEnumType,
  OverlappingFieldsCanBeMergedRule,
  parse,
  specifiedRules,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import type { Permission } from '../core/permissions.js';
import { compileDocument, runOperation, type CompiledOperation } from '../graphql/compiled.js';
import type { Context } from '../graphql/context.js';
import { ApiError, invalidParameter, missingParameter } from '../core/errors.js';
import type { RestRoute } from './routes.js';

/**
 * The same schema, resolvers and authorization, with one difference: enum values leave in their
 * stored spelling (`ipv4`, `amber+strict`, `stealer_log`), as the REST documents print them,
 * instead of their GraphQL names (`IPV4`, `AMBER_STRICT`, `STEALER_LOG`).
 */
export function restView(schema: GraphQLSchema): GraphQLSchema {
  const view = mapSchema(schema, { [MapperKind.ENUM_TYPE]: (type) => type });
  for (const type of Object.values(view.getTypeMap())) {
    if (isEnumType(type) && !type.name.startsWith('__')) type.serialize = (value: unknown) => value as string;
  }
  return view;
}

export interface PreparedRoute {
  route: RestRoute;
  /** What the operation's resolvers check (`permissionsOf`). */
  permissions: Permission[];
  document: DocumentNode;
  operation: CompiledOperation;
  /** Matches a request path; the values of its `{placeholders}`, or null. */
  match(path: string): Record<string, string> | null;
  checkBody?: ValidateFunction;
}

/**
 * GraphQL's rules but one: a field of one name on two members of a union must have the same type
 * there (an alert's record has a `status` as an IOC, `active`…, and as a scope change, `lapsed`…).
 * That rule is for clients that cannot tell the members apart; REST's documents are the code's own,
 * and each member's fields are resolved and written on their own.
 */
const REST_RULES = specifiedRules.filter((rule) => rule !== OverlappingFieldsCanBeMergedRule);

const ajv = new Ajv2020({ allErrors: false, strict: true, strictRequired: false, strictTypes: false });

export function prepareRoutes(schema: GraphQLSchema, routes: readonly RestRoute[]): PreparedRoute[] {
  return routes.map((route) => {
    const document = parse(route.operation);
    const operation = compileDocument(schema, document, { leavesInWireForm: true, rules: REST_RULES });
    if (!('run' in operation)) {
      throw new Error(`REST route ${route.method} ${route.path}: ${operation.errors.map((e) => e.message).join('; ')}`);
    }
    return {
      route,
      permissions: permissionsOf(schema, document),
      document,
      operation,
      match: pathMatcher(route.path),
      ...(route.body ? { checkBody: ajv.compile(route.body.schema) } : {}),
    };
  });
}

function pathMatcher(pattern: string): PreparedRoute['match'] {
  const names: string[] = [];
  const source = pattern.replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  // TAXII writes its paths with a trailing `/`; clients that leave it out are answered the same.
  const regex = new RegExp(source.endsWith('/') ? `^${source}?$` : `^${source}$`);
  return (path) => {
    const found = regex.exec(path);
    if (!found) return null;
    const values: Record<string, string> = {};
    names.forEach((name, i) => {
      try {
        values[name] = decodeURIComponent(found[i + 1]!);
      } catch {
        throw invalidParameter(name, 'is not a valid id.');
      }
    });
    return values;
  };
}

/** A body that did not match its route's schema, as the §4 parameter error that names the field. */
export function bodyError(errors: ErrorObject[] | null | undefined): ApiError {
  const error = errors?.[0];
  const at = error?.instancePath.split('/').filter(Boolean).join('.') ?? '';
  if (error?.keyword === 'required') {
    const missing = String(error.params.missingProperty);
    return missingParameter(at ? `${at}.${missing}` : missing);
  }
  if (error?.keyword === 'additionalProperties') {
    const extra = String(error.params.additionalProperty);
    return invalidParameter(at ? `${at}.${extra}` : extra, 'is not a field of this request.');
  }
  if (error?.keyword === 'enum' && at) {
    return invalidParameter(at, `must be one of ${(error.params.allowedValues as unknown[]).map(String).join(', ')}.`);
  }
  if (!error || !at || error.keyword === 'oneOf' || error.keyword === 'false schema') {
    return invalidParameter('body', 'does not have the documented shape.');
  }
  return invalidParameter(at, error.message ?? 'is malformed.');
}

export async function run(
  prepared: PreparedRoute,
  context: Context,
  variables: Record<string, unknown>,
): Promise<unknown> {
  const result = await runOperation(prepared.operation, context, variables);
  const [first] = result.errors ?? [];
  if (first) throw first instanceof GraphQLError && first.originalError ? first.originalError : first;
  return result.data;
}

export function at(data: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (value as Record<string, unknown> | null)?.[key], data);
}

/**
 * The permissions a route's operation needs: those its resolvers check (Pothos' `authScopes` on
 * every field it selects, at any depth), read from the schema, so that what the route table and
 * the OpenAPI document say is what is enforced. Empty: any valid key.
 */
export function permissionsOf(schema: GraphQLSchema, document: DocumentNode): Permission[] {
  const found = new Set<Permission>();
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field() {
        const options = typeInfo.getFieldDef()?.extensions?.pothosOptions as
          { authScopes?: { permission?: Permission } } | undefined;
        const permission = options?.authScopes?.permission;
        if (permission) found.add(permission);
      },
    }),
  );
  return [...found];
}
