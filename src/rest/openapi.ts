/**
 * `GET /api/v1/openapi.json`: an OpenAPI 3.1 description built from the route table alone. The
 * answer schemas are derived from each route's GraphQL selection, so a route added to the table
 * is documented with no other change.
 */
import {
  getNamedType,
  getNullableType,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  Kind,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type SelectionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { CSV_COLUMNS } from '../iocs/csv.js';
import { STIX_MEDIA_TYPE } from '../iocs/stix.js';
import { ERRORS } from '../errors.js';
import { MAX_BODY_BYTES } from '../http/limits.js';
import { prepareRoutes, restView } from './operations.js';
import type { ParamSchema } from './params.js';
import { ROUTES, type JsonSchema, type RestRoute } from './routes.js';

const SCALARS: Record<string, JsonSchema> = {
  ID: { type: 'string' },
  String: { type: 'string' },
  Int: { type: 'integer' },
  Float: { type: 'number' },
  Boolean: { type: 'boolean' },
  DateTime: { type: 'string', format: 'date-time' },
};

/** The JSON schema of what a selection on a GraphQL type answers, keyed as the answer is. */
function schemaOf(type: GraphQLOutputType, selection: SelectionSetNode | undefined): JsonSchema {
  const nullable = !isNonNullType(type);
  const inner = getNullableType(type);
  let schema: JsonSchema;
  if (isListType(inner)) schema = { type: 'array', items: schemaOf(inner.ofType, selection) };
  else if (isEnumType(inner)) schema = { type: 'string', enum: inner.getValues().map((v) => v.value as string) };
  else if (isScalarType(inner)) schema = { ...(SCALARS[inner.name] ?? { type: 'string' }) };
  else if (isObjectType(inner)) {
    const fields = inner.getFields();
    const properties: Record<string, JsonSchema> = {};
    for (const node of selection?.selections ?? []) {
      if (node.kind !== Kind.FIELD) continue;
      const field = fields[node.name.value]!;
      // REST operations alias their fields to the snake_case names of the REST body.
      properties[node.alias?.value ?? node.name.value] = {
        ...schemaOf(field.type, node.selectionSet),
        ...(field.description ? { description: field.description } : {}),
      };
    }
    schema = { type: 'object', properties, required: Object.keys(properties), additionalProperties: false };
  } else schema = {};
  if (!nullable) return schema;
  return schema.type ? { ...schema, type: [schema.type, 'null'] } : { anyOf: [schema, { type: 'null' }] };
}

/** The selection set and type at a dot path of the operation (`dataleaks.byDomain`). */
function fieldAt(schema: GraphQLSchema, route: RestRoute, operation: OperationDefinitionNode, path: string) {
  let type: GraphQLOutputType = schema.getRootType(operation.operation)!;
  let set: SelectionSetNode | undefined = operation.selectionSet;
  for (const name of path.split('.')) {
    const objectType: GraphQLNamedType = getNamedType(type);
    if (!isObjectType(objectType)) throw new Error(`${route.path}: ${path} is not a field path`);
    const node: SelectionNode | undefined = set?.selections.find((s) => s.kind === Kind.FIELD && s.name.value === name);
    if (!node || node.kind !== Kind.FIELD) throw new Error(`${route.path}: ${name} is not selected`);
    type = objectType.getFields()[name]!.type;
    set = node.selectionSet;
  }
  return { type, set };
}

/** The node of a connection: `edges { node { … } }`. */
function connectionNode(type: GraphQLOutputType, set: SelectionSetNode | undefined) {
  const edges = set?.selections.find((s) => s.kind === Kind.FIELD && s.name.value === 'edges');
  const node = edges?.kind === Kind.FIELD ? edges.selectionSet?.selections.find((s) => s.kind === Kind.FIELD && s.name.value === 'node') : undefined;
  const connection = getNamedType(type);
  if (!isObjectType(connection) || node?.kind !== Kind.FIELD) throw new Error(`${connection.name} is not a selected connection`);
  const edgeType = getNamedType(connection.getFields().edges!.type);
  if (!isObjectType(edgeType)) throw new Error(`${connection.name}.edges is not an object list`);
  return schemaOf(edgeType.getFields().node!.type, node.selectionSet);
}

function paramSchema(schema: ParamSchema): JsonSchema {
  switch (schema.type) {
    case 'string':
      return { type: 'string', maxLength: schema.maxLength };
    case 'id':
      return { type: 'string', format: 'uuid' };
    case 'integer':
      return { type: 'integer', minimum: schema.minimum, maximum: schema.maximum, ...(schema.default !== undefined ? { default: schema.default } : {}) };
    case 'date-time':
      return { type: 'string', format: 'date-time' };
    case 'enum':
      return { type: 'string', enum: Object.keys(schema.values) };
  }
}

export function buildOpenApiDocument(graphqlSchema: GraphQLSchema, routes: readonly RestRoute[] = ROUTES): JsonSchema {
  const schema = restView(graphqlSchema);
  const prepared = prepareRoutes(schema, routes);
  const components: Record<string, JsonSchema> = {
    SocError: {
      type: 'object',
      required: ['error'],
      properties: {
        error: {
          type: 'object',
          required: ['code', 'message', 'request_id'],
          properties: {
            code: { type: 'string', enum: Object.keys(ERRORS) },
            message: { type: 'string' },
            request_id: { type: 'string', pattern: '^req_[0-9a-f]{24}$' },
          },
          additionalProperties: false,
        },
      },
      additionalProperties: false,
    },
    DefendisError: {
      type: 'object',
      required: ['error'],
      properties: { error: { type: 'string' } },
      additionalProperties: false,
    },
    Pagination: {
      type: 'object',
      required: ['limit', 'next_cursor', 'has_more'],
      properties: {
        limit: { type: 'integer' },
        next_cursor: { type: ['string', 'null'], description: 'Pass as `cursor` for the next page; null on the last page.' },
        has_more: { type: 'boolean' },
      },
      additionalProperties: false,
    },
  };
  const paths: Record<string, Record<string, unknown>> = {};

  for (const { route, document } of prepared) {
    const operation = document.definitions[0]!;
    if (operation.kind !== Kind.OPERATION_DEFINITION) continue;
    const errorSchema = { $ref: `#/components/schemas/${route.dialect === 'soc' ? 'SocError' : 'DefendisError'}` };
    const errorAnswer = (description: string) => ({ description, content: { 'application/json': { schema: errorSchema } } });

    const responses: Record<string, unknown> = {};
    const { response } = route;
    if (response.kind === 'empty') responses['204'] = { description: 'Done; no body.' };
    else if (response.kind === 'export') {
      responses['200'] = {
        description: `${route.summary} STIX: a bundle of the five TLP 2.0 marking definitions and one indicator per IOC. CSV: a header line, then one IOC per line.`,
        content: {
          [STIX_MEDIA_TYPE]: { schema: { type: 'object', required: ['type', 'id', 'objects'], properties: { type: { const: 'bundle' }, id: { type: 'string' }, objects: { type: 'array', items: { type: 'object' } } } } },
          'text/csv': { schema: { type: 'string', description: `Columns: ${CSV_COLUMNS.join(', ')}.` } },
        },
      };
    } else if (response.kind === 'events') {
      responses['200'] = {
        description: `${route.summary} A comment line every 15 seconds keeps the connection open; \`event: error\` (with \`code\` and \`message\`) ends it.`,
        content: { 'text/event-stream': { schema: { type: 'string' } } },
      };
    } else {
      const { type, set } = fieldAt(schema, route, operation, response.field);
      let item: JsonSchema;
      let body: JsonSchema;
      if (response.kind === 'page') {
        item = connectionNode(type, set);
        body = { type: 'object', required: ['data', 'pagination'], properties: { data: { type: 'array', items: { $ref: `#/components/schemas/${response.item}` } }, pagination: { $ref: '#/components/schemas/Pagination' } } };
      } else if (response.kind === 'list') {
        item = schemaOf(getNamedType(type) as GraphQLOutputType, set);
        body = { type: 'object', required: ['data'], properties: { data: { type: 'array', items: { anyOf: [{ $ref: `#/components/schemas/${response.item}` }, { type: 'null' }] } } } };
      } else {
        item = schemaOf(getNamedType(type) as GraphQLOutputType, set);
        body = { type: 'object', required: ['data'], properties: { data: { $ref: `#/components/schemas/${response.item}` } } };
      }
      components[response.item] ??= item;
      responses[response.kind === 'object' ? String(response.status) : '200'] = {
        description: route.summary,
        content: { 'application/json': { schema: body } },
      };
    }
    responses['400'] = errorAnswer('A parameter or the body is missing or malformed, or a key was sent in the URL.');
    responses['401'] = errorAnswer('No key, a malformed, unknown, wrong, revoked or expired key.');
    responses['403'] = errorAnswer(`The key lacks ${route.permission}, or the input is outside the workspace scope, or the plan does not allow it.`);
    if (route.path.includes('{') || response.kind === 'object') responses['404'] = errorAnswer('Not found, or owned by another workspace.');
    responses['405'] = errorAnswer('The path does not take this method (see Allow).');
    responses['429'] = errorAnswer('Rate limit exceeded (see Retry-After).');
    responses['503'] = errorAnswer('The database cannot be reached; retry later.');

    (paths[route.path] ??= {})[route.method.toLowerCase()] = {
      operationId: operation.name?.value,
      summary: route.summary,
      tags: [route.path.split('/')[3]],
      'x-permission': route.permission,
      'x-error-dialect': route.dialect,
      parameters: route.params.map((p) => ({
        name: p.name,
        in: p.in,
        required: p.in === 'path' || Boolean(p.scoped),
        description: p.description,
        schema: paramSchema(p.schema),
      })),
      ...(route.body
        ? {
            requestBody: {
              required: true,
              description: `JSON, at most ${MAX_BODY_BYTES} bytes.`,
              content: { 'application/json': { schema: route.body.schema } },
            },
          }
        : {}),
      responses,
    };
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'Threat-intelligence API: REST compatibility layer',
      version: '1.0.0',
      description:
        'Every route runs a named GraphQL operation of POST /graphql. Send the API key in `Authorization: Bearer` or `X-API-Key`, never in the URL.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }, { apiKeyHeader: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'sk_live_…', description: 'Authorization: Bearer sk_live_…' },
        apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
      schemas: components,
    },
  };
}
