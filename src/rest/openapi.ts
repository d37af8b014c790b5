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
  isUnionType,
  GraphQLNonNull,
  Kind,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type SelectionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { STATUS_CODES } from 'node:http';
import { CSV_COLUMNS } from '../iocs/csv.js';
import { STIX_MEDIA_TYPE } from '../iocs/stix.js';
import { ERRORS, type ErrorCode } from '../core/errors.js';
import { MAX_BODY_BYTES } from '../http/limits.js';
import { takesBasic } from './dialects.js';
import { TAXII_MEDIA_TYPE } from '../taxii/collections.js';
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
  StixObject: { type: 'object', description: 'A STIX 2.1 object.' },
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
  } else if (isUnionType(inner)) {
    // A union is selected through one inline fragment per member.
    schema = {
      oneOf: inner.getTypes().map((member) => {
        const fragment = selection?.selections.find(
          (s) => s.kind === Kind.INLINE_FRAGMENT && s.typeCondition?.name.value === member.name,
        );
        return schemaOf(
          new GraphQLNonNull(member),
          fragment?.kind === Kind.INLINE_FRAGMENT ? fragment.selectionSet : undefined,
        );
      }),
    };
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
  const node =
    edges?.kind === Kind.FIELD
      ? edges.selectionSet?.selections.find((s) => s.kind === Kind.FIELD && s.name.value === 'node')
      : undefined;
  const connection = getNamedType(type);
  if (!isObjectType(connection) || node?.kind !== Kind.FIELD)
    throw new Error(`${connection.name} is not a selected connection`);
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
      return {
        type: 'integer',
        minimum: schema.minimum,
        maximum: schema.maximum,
        ...(schema.default !== undefined ? { default: schema.default } : {}),
      };
    case 'date-time':
      return { type: 'string', format: 'date-time' };
    case 'boolean':
      return { type: 'boolean' };
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
    TaxiiError: {
      type: 'object',
      description: 'A TAXII 2.1 error message.',
      required: ['title', 'description', 'http_status', 'error_code', 'request_id'],
      properties: {
        title: { type: 'string', description: 'The HTTP reason phrase.' },
        description: { type: 'string' },
        http_status: { type: 'string', pattern: '^[45][0-9]{2}$' },
        error_code: { type: 'string', enum: Object.keys(ERRORS) },
        request_id: { type: 'string', pattern: '^req_[0-9a-f]{24}$' },
      },
      additionalProperties: false,
    },
    Pagination: {
      type: 'object',
      required: ['limit', 'next_cursor', 'has_more'],
      properties: {
        limit: { type: 'integer' },
        next_cursor: {
          type: ['string', 'null'],
          description: 'Pass as `cursor` for the next page; null on the last page.',
        },
        has_more: { type: 'boolean' },
      },
      additionalProperties: false,
    },
  };
  const paths: Record<string, Record<string, unknown>> = {};

  for (const { route, document, permissions } of prepared) {
    const operation = document.definitions[0]!;
    if (operation.kind !== Kind.OPERATION_DEFINITION) continue;
    const taxii = route.dialect === 'taxii';
    const mediaType = taxii ? TAXII_MEDIA_TYPE : 'application/json';
    const errorSchema = {
      $ref: `#/components/schemas/${{ soc: 'SocError', defendis: 'DefendisError', taxii: 'TaxiiError' }[route.dialect]}`,
    };
    const errorAnswer = (code: ErrorCode, description: string) => ({
      description,
      content: { [mediaType]: { schema: errorSchema, example: errorExample(code, route.dialect) } },
    });

    const responses: Record<string, unknown> = {};
    const { response } = route;
    if (response.kind === 'empty') responses['204'] = { description: 'Done; no body.' };
    else if (response.kind === 'export') {
      responses['200'] = {
        description: `${route.summary} STIX: a bundle of the five TLP 2.0 marking definitions and one indicator per IOC. CSV: a header line, then one IOC per line.`,
        content: {
          [STIX_MEDIA_TYPE]: {
            schema: {
              type: 'object',
              required: ['type', 'id', 'objects'],
              properties: {
                type: { const: 'bundle' },
                id: { type: 'string' },
                objects: { type: 'array', items: { type: 'object' } },
              },
            },
          },
          'text/csv': { schema: { type: 'string', description: `Columns: ${CSV_COLUMNS.join(', ')}.` } },
        },
      };
    } else if (response.kind === 'hashRange') {
      responses['200'] = {
        description: `${route.summary} Lines are separated by CRLF.`,
        content: {
          'text/plain': {
            schema: { type: 'string', pattern: '^([0-9A-F]{35}:[0-9]+(\\r\\n[0-9A-F]{35}:[0-9]+)*)?$' },
            example:
              '0018A45C4D1DEF81644B54AB7F969B88D65:3\r\n00D4F6E8FA6EECAD2A3AA415EEC418D38EC:1\r\n011053FD0102E94D6AE2F8B83D76FAF94F6:0',
          },
        },
      };
      // Padding is the caller's choice, documented as a header parameter of its own.
    } else if (response.kind === 'events') {
      responses['200'] = {
        description: `${route.summary} A comment line every 15 seconds keeps the connection open; \`event: error\` (with \`code\` and \`message\`) ends it.`,
        content: { 'text/event-stream': { schema: { type: 'string' } } },
      };
    } else if (response.kind === 'lines') {
      responses['200'] = {
        description: `${route.summary} One value a line, each ended by \\n.`,
        content: { [response.contentType.split(';')[0]!]: { schema: { type: 'string' } } },
      };
      if (response.versioned)
        responses['304'] = { description: 'Unchanged since the `ETag` or `Last-Modified` given.' };
    } else if (response.kind === 'mispEvent' || response.kind === 'document') {
      responses['200'] = {
        description: route.summary,
        content: {
          'application/json': { schema: { type: 'object', description: 'A MISP feed document, as MISP reads it.' } },
        },
      };
    } else if (response.kind === 'taxii') {
      responses[String(response.status ?? 200)] = {
        description: route.summary,
        ...(response.resource === 'page' ? { 'x-taxii-headers': true } : {}),
        content: {
          [TAXII_MEDIA_TYPE]: { schema: taxiiSchema(response, fieldAt(schema, route, operation, response.field)) },
        },
      };
    } else {
      const { type, set } = fieldAt(schema, route, operation, response.field);
      let item: JsonSchema;
      let body: JsonSchema;
      if (response.kind === 'page') {
        item = connectionNode(type, set);
        body = {
          type: 'object',
          required: ['data', 'pagination'],
          properties: {
            data: { type: 'array', items: { $ref: `#/components/schemas/${response.item}` } },
            pagination: { $ref: '#/components/schemas/Pagination' },
          },
        };
      } else if (response.kind === 'list') {
        item = schemaOf(getNamedType(type) as GraphQLOutputType, set);
        body = {
          type: 'object',
          required: ['data'],
          properties: {
            data: {
              type: 'array',
              items: { anyOf: [{ $ref: `#/components/schemas/${response.item}` }, { type: 'null' }] },
            },
          },
        };
      } else {
        item = schemaOf(getNamedType(type) as GraphQLOutputType, set);
        if (response.kind === 'object' && response.spread) {
          // `{ endpoint: {...}, secret }` answers as `{ ...endpoint, secret }`.
          const { [response.spread]: inner, ...rest } = item.properties as Record<string, JsonSchema>;
          const properties = { ...(inner!.properties as Record<string, JsonSchema>), ...rest };
          item = { type: 'object', properties, required: Object.keys(properties), additionalProperties: false };
        }
        body = {
          type: 'object',
          required: ['data'],
          properties: { data: { $ref: `#/components/schemas/${response.item}` } },
        };
      }
      components[response.item] ??= item;
      responses[response.kind === 'object' ? String(response.status) : '200'] = {
        description: route.summary,
        content: { 'application/json': { schema: body } },
      };
    }
    responses['400'] = errorAnswer(
      'invalid_parameter',
      'A parameter or the body is missing or malformed, or a key was sent in the URL.',
    );
    responses['401'] = errorAnswer('missing_api_key', 'No key, a malformed, unknown, wrong, revoked or expired key.');
    const needed = permissions.join(' and ');
    if (needed)
      responses['403'] = errorAnswer(
        'forbidden',
        `The key lacks ${needed}, or the input is outside the workspace scope, or the plan does not allow it.`,
      );
    if (route.path.includes('{') || response.kind === 'object')
      responses['404'] = errorAnswer('not_found', 'Not found, or owned by another workspace.');
    responses['405'] = errorAnswer('method_not_allowed', 'The path does not take this method (see Allow).');
    if (taxii) responses['406'] = errorAnswer('not_acceptable', `The Accept header does not name ${TAXII_MEDIA_TYPE}.`);
    const maxBytes = route.body?.maxBytes ?? MAX_BODY_BYTES;
    if (route.body) responses['413'] = errorAnswer('payload_too_large', `The body is larger than ${maxBytes} bytes.`);
    if (taxii && route.body)
      responses['415'] = errorAnswer('unsupported_media_type', `The body is not sent as ${TAXII_MEDIA_TYPE}.`);
    responses['429'] = errorAnswer('rate_limited', 'Rate limit exceeded (see Retry-After).');
    responses['503'] = errorAnswer('unavailable', 'The database cannot be reached; retry later (see Retry-After).');
    for (const [status, answer] of Object.entries(responses)) {
      const described = answer as { headers?: unknown; 'x-taxii-headers'?: boolean };
      described.headers = headersOf(Number(status), { taxii, pageOfTaxii: described['x-taxii-headers'] === true });
      delete described['x-taxii-headers'];
    }
    for (const answer of Object.values(responses)) {
      const content = (answer as { content?: Record<string, { schema: JsonSchema; example?: unknown }> }).content?.[
        mediaType
      ];
      if (content && !content.example && !content.schema.$ref) content.example = exampleOf(content.schema, components);
    }

    const tag = taxii ? 'taxii' : route.path.startsWith('/misp/') ? 'misp' : route.path.split('/')[3]!;
    const basic = taxii || takesBasic(route.path);
    const permission = needed ? `Permission: ${permissions.map((p) => `\`${p}\``).join(' and ')}.` : 'Any valid key.';
    (paths[route.path] ??= {})[route.method.toLowerCase()] = {
      operationId: operation.name?.value,
      summary: shortSummary(route.summary),
      description: `${route.summary}\n\n${permission} Errors ${{ soc: 'in the SOC dialect', defendis: 'in the Defendis dialect', taxii: 'as TAXII error messages' }[route.dialect]}.`,
      tags: [TAGS[tag] ? tag : 'iocs'],
      ...(basic ? { security: [{ bearer: [] }, { apiKeyHeader: [] }, { basic: [] }] } : {}),
      'x-permission': permissions.length === 0 ? null : permissions.length === 1 ? permissions[0] : permissions,
      'x-error-dialect': route.dialect,
      parameters: [
        ...route.params.map((p) => ({
          name: p.name,
          in: p.in,
          required: p.in === 'path' || Boolean(p.scoped),
          description: p.description,
          schema: paramSchema(p.schema),
        })),
        ...(response.kind === 'hashRange'
          ? [
              {
                name: 'Add-Padding',
                in: 'header',
                required: false,
                description:
                  '`true`: pad the answer with random suffixes of count 0 to 800–1000 lines, so that its size tells nothing.',
                schema: { type: 'string', enum: ['true', 'false'] },
              },
            ]
          : []),
      ],
      ...(route.body
        ? {
            requestBody: {
              required: true,
              description: `${taxii ? 'A TAXII envelope' : 'JSON'}, at most ${maxBytes} bytes.`,
              content: {
                [mediaType]: { schema: route.body.schema, example: exampleOf(route.body.schema, components) },
              },
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
        'Every route runs a named GraphQL operation of POST /graphql. Send the API key in `Authorization: Bearer` or `X-API-Key`, never in the URL. Every answer carries `x-request-id`; every answer to an admitted key carries its `RateLimit-*` headers.',
      contact: { name: 'The API team', url: '/' },
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
    },
    servers: [{ url: '/' }],
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    security: [{ bearer: [] }, { apiKeyHeader: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'sk_live_…',
          description: 'Authorization: Bearer sk_live_…',
        },
        apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        basic: {
          type: 'http',
          scheme: 'basic',
          description: 'TAXII only: the key as the user name or as the password, the other part ignored.',
        },
      },
      schemas: components,
      headers: HEADERS,
    },
  };
}

const TAGS: Record<string, string> = {
  iocs: 'Indicators of compromise: the shared feed and the workspace’s own (SOC error dialect).',
  watchlists: 'The workspace’s watchlists of domains, emails, BINs and keywords (Defendis error dialect).',
  dataleaks: 'Leaked credentials and cards inside the workspace scope; enterprise plan (Defendis error dialect).',
  alerts: 'Watchlist alerts: new leaks and IOCs that matched a watchlist entry (Defendis error dialect).',
  webhooks:
    'Webhook endpoints where alerts are POSTed, signed per Standard Webhooks, and their delivery log (Defendis error dialect).',
  passwords: 'Breached-password range search by SHA-1 prefix (k-anonymity); every plan (SOC error dialect).',
  taxii:
    'TAXII 2.1: the shared feed and the workspace’s own IOCs as STIX 2.1 indicators, for SIEMs and TIPs (TAXII error messages; HTTP Basic taken too).',
  feeds:
    'Feeds pulled on a schedule into the workspace’s own IOCs: STIX, TAXII, MISP, CSV, URLhaus, ThreatFox, text (SOC error dialect).',
  blocklists:
    'Plain-text block lists for firewalls, proxies and DNS filters, with ETag and 304 (SOC error dialect; HTTP Basic taken too).',
  misp: 'The shared feed and the workspace’s own IOCs as a MISP feed, for MISP instances (SOC error dialect; HTTP Basic taken too).',
};

const header = (description: string, schema: JsonSchema, example: unknown) => ({ description, schema, example });
const HEADERS: Record<string, JsonSchema> = {
  RequestId: header(
    'This request’s id: quote it when you report a problem. Error bodies that have `request_id` carry the same.',
    { type: 'string', pattern: '^req_[0-9a-f]{24}$' },
    'req_8c2f0e5a9b1d4e7f6a3c2b1d',
  ),
  RateLimitLimit: header('Requests a minute this key may make (by its workspace’s plan).', { type: 'integer' }, 600),
  RateLimitRemaining: header('Requests left in the current minute.', { type: 'integer' }, 593),
  RateLimitReset: header('Seconds until the minute window ends.', { type: 'integer' }, 41),
  RetryAfter: header('Seconds to wait before retrying.', { type: 'integer' }, 41),
  Allow: header('The methods this path takes.', { type: 'string' }, 'GET, POST'),
  WwwAuthenticate: header('The ways a key is taken here.', { type: 'string' }, 'Basic realm="taxii2", Bearer'),
  DateAddedFirst: header(
    'The `date_added` of the first object on the page (UTC, microseconds).',
    { type: 'string' },
    '2026-11-30T08:15:00.000000Z',
  ),
  DateAddedLast: header(
    'The `date_added` of the last object on the page: `added_after` for the next poll.',
    { type: 'string' },
    '2026-11-30T08:16:41.250000Z',
  ),
};

/** The headers an answer of this status carries (docs/api.md §3, §4, §11, §12). */
function headersOf(status: number, route: { taxii: boolean; pageOfTaxii: boolean }): Record<string, { $ref: string }> {
  const ref = (name: string) => ({ $ref: `#/components/headers/${name}` });
  const headers: Record<string, { $ref: string }> = { 'x-request-id': ref('RequestId') };
  // Every answer to an admitted key; a 401 admitted none.
  if (status !== 401 && status !== 503) {
    Object.assign(headers, {
      'RateLimit-Limit': ref('RateLimitLimit'),
      'RateLimit-Remaining': ref('RateLimitRemaining'),
      'RateLimit-Reset': ref('RateLimitReset'),
    });
  }
  if (status === 429 || status === 503) headers['Retry-After'] = ref('RetryAfter');
  if (status === 405) headers.Allow = ref('Allow');
  if (status === 401 && route.taxii) headers['WWW-Authenticate'] = ref('WwwAuthenticate');
  if (route.pageOfTaxii)
    Object.assign(headers, {
      'X-TAXII-Date-Added-First': ref('DateAddedFirst'),
      'X-TAXII-Date-Added-Last': ref('DateAddedLast'),
    });
  return headers;
}

/** The body of a TAXII resource from its selection, as the handler lays it out (src/rest/handler.ts). */
function taxiiSchema(
  response: Extract<RestRoute['response'], { kind: 'taxii' }>,
  { type, set }: { type: GraphQLOutputType; set: SelectionSetNode | undefined },
): JsonSchema {
  const selected = schemaOf(getNamedType(type) as GraphQLOutputType, set);
  const properties = (selected.properties ?? {}) as Record<string, JsonSchema>;
  switch (response.resource) {
    case 'discovery':
      return {
        type: 'object',
        required: ['title', 'api_roots'],
        properties: {
          ...properties,
          default: { type: 'string', description: 'The API root (relative).' },
          api_roots: { type: 'array', items: { type: 'string' } },
        },
      };
    case 'collections':
      return { type: 'object', properties: { collections: { type: 'array', items: selected } } };
    case 'page': {
      const { date_added_first: _first, date_added_last: _last, next, more, ...list } = properties;
      const [name, items] = Object.entries(list)[0]!;
      return {
        type: 'object',
        required: ['more'],
        description: 'The list is left out when empty, `next` on the last page.',
        properties: {
          more: more!,
          next: { type: 'string', description: next?.description },
          [name]: { ...items, type: 'array' },
        },
      };
    }
    case 'resource':
      return selected;
  }
}

/** The first clause of a route's summary: short enough for a table of contents. */
function shortSummary(summary: string): string {
  const clause = summary.split(/[:.(]/)[0]!.trim();
  return clause.length <= 60 ? clause : `${clause.slice(0, 57).trimEnd()}…`;
}

function errorExample(code: ErrorCode, dialect: RestRoute['dialect']): unknown {
  const requestId = 'req_8c2f0e5a9b1d4e7f6a3c2b1d';
  if (dialect === 'taxii') {
    const status = ERRORS[code].status;
    return {
      title: STATUS_CODES[status],
      description: ERRORS[code].message,
      http_status: String(status),
      error_code: code,
      request_id: requestId,
    };
  }
  return dialect === 'soc'
    ? { error: { code, message: ERRORS[code].message, request_id: requestId } }
    : { error: ERRORS[code].defendis };
}

/** Values that read like the product's data, by field name; anything else by its type. */
const EXAMPLE_VALUES: Record<string, unknown> = {
  id: '01932f5e-7c1a-7b3e-9f2d-4a6b8c0d2e1f',
  type: 'domain',
  value: 'login-acme.example',
  values: ['203.0.113.7', 'hxxp://evil[.]example/login', 'd41d8cd98f00b204e9800998ecf8427e'],
  threat_type: 'c2',
  malware_family: 'Emotet',
  confidence: 85,
  severity: 'high',
  tlp: 'amber',
  tags: ['botnet', 'c2'],
  source: 'abuse-feed',
  shared: true,
  name: 'Brand monitoring',
  description: 'Our domains and brand keywords',
  email: 'jane.doe@acme.example',
  domain: 'acme.example',
  username: 'jane.doe',
  password_masked: 'h*****2',
  source_name: 'combolist-2026-03',
  source_type: 'combolist',
  bin: '411111',
  last4: '1111',
  expiry: '12/29',
  brand: 'visa',
};

/** An example of a JSON schema: `$ref`s followed, fields named as in the product. */
function exampleOf(schema: JsonSchema, components: Record<string, JsonSchema>, name?: string, depth = 0): unknown {
  if (depth > 8) return null;
  if (typeof schema.$ref === 'string')
    return exampleOf(components[schema.$ref.split('/').pop()!] ?? {}, components, name, depth + 1);
  if (Array.isArray(schema.enum))
    return name !== undefined && schema.enum.includes(EXAMPLE_VALUES[name]) ? EXAMPLE_VALUES[name] : schema.enum[0];
  const type = Array.isArray(schema.type)
    ? (schema.type as string[]).find((t) => t !== 'null')
    : (schema.type as string | undefined);
  const known = name === undefined ? undefined : EXAMPLE_VALUES[name];
  if (known !== undefined && Array.isArray(known) === (type === 'array')) return known;
  if (Array.isArray(schema.anyOf)) return exampleOf(schema.anyOf[0] as JsonSchema, components, name, depth + 1);
  if (type === 'object' || schema.properties) {
    const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
    // A body that is one shape or another (oneOf): the first shape's fields only.
    const first = Array.isArray(schema.oneOf) ? (schema.oneOf[0] as JsonSchema) : undefined;
    const keys = Array.isArray(first?.required) ? (first.required as string[]) : Object.keys(properties);
    return Object.fromEntries(keys.map((key) => [key, exampleOf(properties[key] ?? {}, components, key, depth + 1)]));
  }
  if (Array.isArray(schema.oneOf)) return exampleOf(schema.oneOf[0] as JsonSchema, components, name, depth + 1);
  if (type === 'array') return [exampleOf((schema.items ?? {}) as JsonSchema, components, undefined, depth + 1)];
  if (type === 'integer' || type === 'number') return typeof schema.minimum === 'number' ? schema.minimum : 1;
  if (type === 'boolean') return true;
  if (schema.format === 'date-time' || (name ?? '').endsWith('_at') || (name ?? '').endsWith('_seen'))
    return '2026-11-30T08:15:00.000Z';
  if (type === 'string') return name === 'next_cursor' ? 'WyIyMDI2LTExLTMwIDA4OjE1OjAwKzAwIiwiMDE5In0' : 'text';
  return null;
}
