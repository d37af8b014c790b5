/**
 * The REST compatibility layer as data (docs/api.md §6): every route names its dialect, the GraphQL
 * operation it runs, how its parameters and body become variables, and the shape of its answer.
 * Nothing else in src/rest knows a route; the handler and the OpenAPI document read this table.
 */
import { camelCase, snakeCase } from 'change-case';
import { MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE } from '../graphql/connections.js';
import {
  ALERT_KINDS,
  ALERT_STATUSES,
  BLOCKLIST_TYPES,
  FEED_FORMATS,
  graphqlEnumNames,
  IOC_STATUS_FILTERS,
  IOC_TYPES,
  WATCHLIST_ENTRY_TYPES,
} from '../core/vocabulary.js';
import { dialectsByPath, type Dialect } from './dialects.js';
import {
  CARD_LEAK_FIELDS as CARD_LEAK_RECORD,
  CREDENTIAL_LEAK_FIELDS as CREDENTIAL_LEAK_RECORD,
} from '../dataleaks/record.js';
import { INPUT_FIELDS, IOC_FIELDS as IOC_RECORD } from '../iocs/record.js';
import { shownFields, snakeName, type ShownField } from '../core/records.js';
import type { ParamSpec } from './params.js';
import { TAXII_MAX_CONTENT_LENGTH } from '../taxii/collections.js';
import { MAX_ENVELOPE_OBJECTS } from '../taxii/objects.js';
import { BLOCKLIST_PAGE, MAX_BLOCKLIST_VALUES } from '../feeds/blocklists.js';
import { MISP_PAGE } from '../feeds/mispFeed.js';

export type JsonSchema = Record<string, unknown>;

export interface RestRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** OpenAPI-style pattern: `/api/v1/watchlists/{id}`. */
  path: string;
  dialect: Dialect;
  summary: string;
  /** One named GraphQL operation; parsed and validated once, at start-up. */
  operation: string;
  params: readonly ParamSpec[];
  body?: {
    schema: JsonSchema;
    /** The largest body taken, in bytes; MAX_BODY_BYTES when not said (docs/api.md §12). */
    maxBytes?: number;
    /** The checked body (it matched `schema`) as variables. */
    toVariables(body: Record<string, unknown>): Record<string, unknown>;
    /** One request of this route per key at a time, its slot taken before the body is read (docs/api.md §12). */
    onePerKey?: true;
  };
  response: RouteResponse;
}

export type RouteResponse =
  /** `{ data: [...], pagination }` from a connection at `field` (dot path). */
  | { kind: 'page'; field: string; item: string }
  /**
   * `{ data: {...} }`; a null result is `not_found`. With `spread`, that field of the result is
   * spread into it (`{ endpoint: {...}, secret }` answers `{ ...endpoint, secret }`). With
   * `createdFlag`, that boolean field of the result is taken out of the body and says the status:
   * `status` when true, 200 when false (a claim made before answers as it is).
   */
  | { kind: 'object'; field: string; item: string; status: 200 | 201 | 202; spread?: string; createdFlag?: string }
  /** `{ data: [...] }` from a list at `field` (items may be null). */
  | { kind: 'list'; field: string; item: string }
  /** 204 and no body. */
  | { kind: 'empty' }
  /** Every page of a connection at `field`, streamed as a STIX 2.1 bundle or CSV (`format`). */
  | { kind: 'export'; field: string }
  /** A subscription at `field`, as Server-Sent Events (`id:` its `cursor`, `event:` and `data:` its field `event`). */
  | { kind: 'events'; field: string; event: 'ioc' | 'alert' }
  /**
   * `text/plain` lines `SUFFIX:COUNT` from a list of `{ suffix count }` at `field`, padded with
   * random suffixes of count 0 when the request says `Add-Padding: true` (docs/api.md §9).
   */
  | { kind: 'hashRange'; field: string }
  /**
   * Plain-text lines streamed page after page (block lists, `hashes.csv`; docs/api.md §14): the
   * operation's `page` alias answers `{ text count endCursor hasNextPage }`, at most the `limit`
   * variable's lines in all. With `versioned`, its `version` alias (`{ etag lastModified }`, read
   * first, alone) answers a conditional GET that matches with 304 and nothing read.
   */
  | { kind: 'lines'; contentType: string; pageSize: number; versioned?: true }
  /** A MISP event streamed: the first page's `event`, every page's `attributes`, from `field`; null is `not_found`. */
  | { kind: 'mispEvent'; field: string; pageSize: number }
  /** A JSON document as it is, from `field` (a MISP manifest). */
  | { kind: 'document'; field: string }
  /**
   * A TAXII 2.1 resource (docs/api.md §11) from the object at `field`, in the TAXII media type; a null
   * result is `not_found`. `discovery` is made from the API root; `collections` wraps a list;
   * `page` (envelope, manifest, versions) moves `date_added_first`/`_last` into the
   * `X-TAXII-Date-Added-*` headers and leaves out what is empty; `resource` is the object as it is.
   */
  | { kind: 'taxii'; field: string; resource: 'discovery' | 'collections' | 'page' | 'resource'; status?: 200 | 202 };

const LIMIT: ParamSpec = {
  name: 'limit',
  in: 'query',
  variable: 'first',
  schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE },
  description: `Page size, 1 to ${MAX_PAGE_SIZE}.`,
};
const CURSOR: ParamSpec = {
  name: 'cursor',
  in: 'query',
  variable: 'after',
  schema: { type: 'string', maxLength: 512 },
  description: 'The `next_cursor` of the previous page.',
};
const pathId = (name: string, variable: string, description: string): ParamSpec => ({
  name,
  in: 'path',
  variable,
  schema: { type: 'id' },
  description,
});
const scopedQuery = (name: string, description: string): ParamSpec => ({
  name,
  in: 'query',
  variable: 'value',
  schema: { type: 'string', maxLength: 2048 },
  description,
  scoped: true,
});

/**
 * A selection whose camelCase fields are aliased to their snake_case REST names
 * (`threat_type: threatType`): the operation itself answers in the REST shape, with no copying.
 */
const snakeCaseAliases = (selection: string) =>
  selection.replace(/\b[a-z]+[A-Z][A-Za-z0-9]*\b/g, (field) => `${snakeCase(field)}: ${field}`);

/** A record's shown fields as a selection, an object's with its own fields. */
const recordSelection = (declaration: Readonly<Record<string, ShownField>>) =>
  snakeCaseAliases(
    shownFields(declaration)
      .map((field) => (declaration[field]!.kind === 'sightings' ? `${field} { count lastSeen }` : field))
      .join(' '),
  );
const IOC_FIELDS = recordSelection(IOC_RECORD);
const EXCLUSION_LIST_FIELDS = snakeCaseAliases('id name shared entryCount createdAt updatedAt');
const FEED_FIELDS = snakeCaseAliases(
  'id name url format every headerNames lastRunAt lastSuccessAt lastError lastRun { read created updated unchanged rejected } nextRunAt createdAt updatedAt',
);
const FEED_FORMAT_NAMES = graphqlEnumNames(FEED_FORMATS);
const MISP_COLLECTION: ParamSpec = {
  name: 'collection',
  in: 'path',
  variable: 'collection',
  schema: { type: 'string', maxLength: 20 },
  description: '`shared` (the shared feed) or `own` (the workspace’s own IOCs); another is 404.',
};
/** A feed's body as JSON Schema; `required` for the POST. */
const feedBody = (required: string[]): JsonSchema => ({
  type: 'object',
  required,
  properties: {
    name: { type: 'string', maxLength: 1000 },
    url: { type: 'string', maxLength: 2048 },
    format: { type: 'string', enum: [...FEED_FORMATS] },
    every: { type: 'string', maxLength: 20, description: '`15m` to `7d`; default `1h`.' },
    headers: {
      type: 'object',
      maxProperties: 20,
      additionalProperties: { type: 'string', maxLength: 4096 },
      description: 'Request headers (credentials): stored sealed, shown by name only.',
    },
  },
  additionalProperties: false,
});
const feedVariables = (body: Record<string, unknown>) => ({
  name: body.name ?? null,
  url: body.url ?? null,
  format: typeof body.format === 'string' ? FEED_FORMAT_NAMES[body.format] : null,
  every: body.every ?? null,
  headers: body.headers
    ? Object.entries(body.headers as Record<string, string>).map(([name, value]) => ({ name, value }))
    : null,
});
const WATCHLIST_FIELDS = snakeCaseAliases(
  'id name description entries { id type value createdAt } createdAt updatedAt',
);
const CREDENTIAL_LEAK_FIELDS = snakeCaseAliases(shownFields(CREDENTIAL_LEAK_RECORD).join(' '));
const CARD_LEAK_FIELDS = snakeCaseAliases(shownFields(CARD_LEAK_RECORD).join(' '));

/** What a submitted IOC's JSON may hold: type and value, and each input field of the record as its kind allows. */
const SUBMISSION_PROPERTIES: Record<string, JsonSchema> = {
  type: { type: 'string', maxLength: 20 },
  value: { type: 'string', maxLength: 2048 },
  ...Object.fromEntries(
    INPUT_FIELDS.map((field) => {
      const { kind, input } = IOC_RECORD[field];
      const schema: JsonSchema =
        kind === 'int'
          ? { type: ['integer', 'null'], minimum: input!.min, maximum: input!.max }
          : kind === 'tags'
            ? { type: 'array', maxItems: 50, items: { type: 'string', maxLength: input!.max } }
            : kind === 'boolean'
              ? { type: ['boolean', 'null'] }
              : { type: ['string', 'null'], maxLength: input!.max };
      return [snakeName(field), schema];
    }),
  ),
};
/** A body's list of objects, each with its snake_case fields under their GraphQL (camelCase) names. */
const camelCaseItems = (items: unknown) =>
  (items as Record<string, unknown>[]).map((item) =>
    Object.fromEntries(Object.entries(item).map(([name, value]) => [camelCase(name), value])),
  );
const PAGE_INFO = 'pageInfo { hasNextPage endCursor }';
const ALERT_FIELDS = `${snakeCaseAliases('id watchlistId')} entry { id type value } kind record {
  ... on CredentialLeak { ${CREDENTIAL_LEAK_FIELDS} } ... on CardLeak { ${CARD_LEAK_FIELDS} } ... on Ioc { ${IOC_FIELDS} }
  ... on ScopeChange { domain status: scopeStatus }
} status ${snakeCaseAliases('createdAt updatedAt')}`;

const IOC_TYPE_NAMES = graphqlEnumNames(IOC_TYPES);
const ENTRY_TYPES = graphqlEnumNames(WATCHLIST_ENTRY_TYPES);

const ENTRY_PROPERTIES = {
  type: { enum: Object.keys(ENTRY_TYPES) },
  value: { type: 'string', maxLength: 2048 },
};
const ENTRY_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['type', 'value'],
  properties: ENTRY_PROPERTIES,
  additionalProperties: false,
};
const toEntry = (entry: unknown) => {
  const { type, value } = entry as { type: string; value: string };
  return { type: ENTRY_TYPES[type], value };
};

/** The IOC listing as a named operation: the listing reads one page of it, the export every page. */
const iocListing = (
  name: string,
) => `query ${name}($type: IocType, $q: String, $updatedSince: DateTime, $minConfidence: Int, $tag: String, $status: IocStatus, $minScore: Int, $first: Int, $after: String) {
  iocs(type: $type, q: $q, updatedSince: $updatedSince, minConfidence: $minConfidence, tag: $tag, status: $status, minScore: $minScore, first: $first, after: $after) {
    edges { node { ${IOC_FIELDS} } } ${PAGE_INFO}
  }
}`;

/** The listing's filters, shared by the listing and the export. */
const IOC_FILTERS: ParamSpec[] = [
  {
    name: 'type',
    in: 'query',
    variable: 'type',
    schema: { type: 'enum', values: IOC_TYPE_NAMES },
    description: 'IOC type.',
  },
  { name: 'q', in: 'query', variable: 'q', schema: { type: 'string', maxLength: 512 }, description: 'Value prefix.' },
  {
    name: 'updated_since',
    in: 'query',
    variable: 'updatedSince',
    schema: { type: 'date-time' },
    description: 'Only IOCs updated at or after this time (ISO 8601).',
  },
  {
    name: 'min_confidence',
    in: 'query',
    variable: 'minConfidence',
    schema: { type: 'integer', minimum: 0, maximum: 100 },
    description: 'Lowest confidence, 0 to 100.',
  },
  {
    name: 'tag',
    in: 'query',
    variable: 'tag',
    schema: { type: 'string', maxLength: 100 },
    description: 'Only IOCs with this tag.',
  },
  {
    name: 'status',
    in: 'query',
    variable: 'status',
    schema: { type: 'enum', values: graphqlEnumNames(IOC_STATUS_FILTERS) },
    description: '`active` (the default), `expired`, `revoked` or `any`.',
  },
  {
    name: 'min_score',
    in: 'query',
    variable: 'minScore',
    schema: { type: 'integer', minimum: 0, maximum: 100 },
    description: 'Lowest score (confidence decayed with age), 0 to 100.',
  },
];

const ALERT_STATUS_NAMES = graphqlEnumNames(ALERT_STATUSES);
const ENDPOINT_FIELDS = snakeCaseAliases(
  'id url description enabled disabledReason previousSecretExpiresAt createdAt updatedAt',
);
const DELIVERY_FIELDS = snakeCaseAliases(
  'id endpointId alertId status attemptCount nextAttemptAt attempts { at status error durationMs } createdAt updatedAt',
);
const ENDPOINT_BODY = {
  url: { type: 'string', maxLength: 2048 },
  description: { type: ['string', 'null'], maxLength: 500 },
};

// TAXII 2.1 (docs/api.md §11): paths end with `/` as TAXII writes them (taken without it too).
const TAXII_COLLECTION = pathId(
  'collectionId',
  'collectionId',
  'The collection id: `GET /taxii2/api/collections/` lists them.',
);
const TAXII_OBJECT: ParamSpec = {
  name: 'objectId',
  in: 'path',
  variable: 'objectId',
  schema: { type: 'string', maxLength: 200 },
  description: 'A STIX id, `indicator--…`.',
};
const taxiiMatch = (name: string, variable: string, description: string): ParamSpec => ({
  name: `match[${name}]`,
  in: 'query',
  variable,
  schema: { type: 'string', maxLength: 2048 },
  description: `${description} Several values separated by commas.`,
});
const TAXII_FILTERS: ParamSpec[] = [
  {
    name: 'added_after',
    in: 'query',
    variable: 'addedAfter',
    schema: { type: 'date-time' },
    description:
      'Only objects added (their IOC last changed) strictly after this time: the `X-TAXII-Date-Added-Last` of the last page read.',
  },
  {
    name: 'limit',
    in: 'query',
    variable: 'limit',
    schema: { type: 'integer', minimum: 1, maximum: 2_147_483_647 },
    description: 'Objects per page: 100 by default; more than 1000 reads as 1000.',
  },
  {
    name: 'next',
    in: 'query',
    variable: 'next',
    schema: { type: 'string', maxLength: 512 },
    description: 'The `next` of the page before; works with the `added_after` it was made with.',
  },
  taxiiMatch(
    'version',
    'matchVersion',
    '`last` (the default), `first`, `all`, or a `modified` timestamp: every indicator has one version.',
  ),
  taxiiMatch('spec_version', 'matchSpecVersion', 'STIX versions: every object is 2.1.'),
];
const TAXII_LIST_FILTERS: ParamSpec[] = [
  ...TAXII_FILTERS,
  taxiiMatch('type', 'matchType', 'STIX types: every object is an `indicator`.'),
  taxiiMatch('id', 'matchId', 'STIX ids.'),
];
const TAXII_FILTER_VARIABLES =
  '$addedAfter: DateTime, $limit: Int, $next: String, $matchVersion: [String!], $matchSpecVersion: [String!]';
const TAXII_FILTER_ARGUMENTS =
  'addedAfter: $addedAfter, limit: $limit, next: $next, matchVersion: $matchVersion, matchSpecVersion: $matchSpecVersion';
const TAXII_LIST_VARIABLES = `${TAXII_FILTER_VARIABLES}, $matchType: [String!], $matchId: [String!]`;
const TAXII_LIST_ARGUMENTS = `${TAXII_FILTER_ARGUMENTS}, matchType: $matchType, matchId: $matchId`;
const taxiiPage = (list: string) => `more next ${list} date_added_first: dateAddedFirst date_added_last: dateAddedLast`;
const COLLECTION_FIELDS = snakeCaseAliases('id title description canRead canWrite mediaTypes');
const STATUS_FIELDS = snakeCaseAliases(
  'id status requestTimestamp totalCount successCount successes { id version message } failureCount failures { id version message } pendingCount',
);
const MANIFEST_FIELDS = snakeCaseAliases('id dateAdded version mediaType');

const TAXII_ROUTES: RestRoute[] = [
  {
    method: 'GET',
    path: '/taxii2/',
    dialect: 'taxii',
    summary: 'TAXII 2.1 discovery: the server’s title and its one API root, `/taxii2/api/`.',
    operation: 'query TaxiiDiscovery { taxiiApiRoot { title description } }',
    params: [],
    response: { kind: 'taxii', field: 'taxiiApiRoot', resource: 'discovery' },
  },
  {
    method: 'GET',
    path: '/taxii2/api/',
    dialect: 'taxii',
    summary: 'The TAXII API root: its title, the TAXII versions it speaks and the largest envelope a POST may send.',
    operation: `query TaxiiApiRoot { taxiiApiRoot { ${snakeCaseAliases('title description versions maxContentLength')} } }`,
    params: [],
    response: { kind: 'taxii', field: 'taxiiApiRoot', resource: 'resource' },
  },
  {
    method: 'GET',
    path: '/taxii2/api/collections/',
    dialect: 'taxii',
    summary: 'The two collections: the shared feed (the same id on every installation) and the workspace’s own IOCs.',
    operation: `query TaxiiCollections { taxiiCollections { ${COLLECTION_FIELDS} } }`,
    params: [],
    response: { kind: 'taxii', field: 'taxiiCollections', resource: 'collections' },
  },
  {
    method: 'GET',
    path: '/taxii2/api/collections/{collectionId}/',
    dialect: 'taxii',
    summary: 'One collection.',
    operation: `query TaxiiCollection($collectionId: ID!) { taxiiCollection(id: $collectionId) { ${COLLECTION_FIELDS} } }`,
    params: [TAXII_COLLECTION],
    response: { kind: 'taxii', field: 'taxiiCollection', resource: 'resource' },
  },
  {
    method: 'GET',
    path: '/taxii2/api/collections/{collectionId}/objects/',
    dialect: 'taxii',
    summary:
      'A page of the collection’s STIX 2.1 indicators (the export’s), oldest `date_added` first (an IOC’s last change), with `X-TAXII-Date-Added-First` and `-Last`; `more` and `next` when a page follows.',
    operation: `query TaxiiObjects($collectionId: ID!, ${TAXII_LIST_VARIABLES}) {
      taxiiCollection(id: $collectionId) { objects(${TAXII_LIST_ARGUMENTS}) { ${taxiiPage('objects')} } }
    }`,
    params: [TAXII_COLLECTION, ...TAXII_LIST_FILTERS],
    response: { kind: 'taxii', field: 'taxiiCollection.objects', resource: 'page' },
  },
  {
    method: 'POST',
    path: '/taxii2/api/collections/{collectionId}/objects/',
    dialect: 'taxii',
    summary:
      'Add an envelope of STIX objects to the workspace’s own collection: indicators and cyber-observables become its IOCs (as `import --format stix` reads them), all at once; the answer is the status resource (202).',
    operation: `mutation TaxiiAddObjects($collectionId: ID!, $objects: [StixObject!]!) { addTaxiiObjects(collectionId: $collectionId, objects: $objects) { ${STATUS_FIELDS} } }`,
    params: [TAXII_COLLECTION],
    body: {
      schema: {
        type: 'object',
        required: ['objects'],
        properties: {
          objects: { type: 'array', minItems: 1, maxItems: MAX_ENVELOPE_OBJECTS, items: { type: 'object' } },
          more: { type: 'boolean' },
          next: { type: 'string' },
        },
        additionalProperties: false,
      },
      maxBytes: TAXII_MAX_CONTENT_LENGTH,
      toVariables: (body) => ({ objects: body.objects }),
      onePerKey: true,
    },
    response: { kind: 'taxii', field: 'addTaxiiObjects', resource: 'resource', status: 202 },
  },
  {
    method: 'GET',
    path: '/taxii2/api/collections/{collectionId}/manifest/',
    dialect: 'taxii',
    summary:
      'A page of the collection’s manifest: each object’s id, `date_added`, version and media type, in the order of objects.',
    operation: `query TaxiiManifest($collectionId: ID!, ${TAXII_LIST_VARIABLES}) {
      taxiiCollection(id: $collectionId) { manifest(${TAXII_LIST_ARGUMENTS}) { ${taxiiPage(`objects { ${MANIFEST_FIELDS} }`)} } }
    }`,
    params: [TAXII_COLLECTION, ...TAXII_LIST_FILTERS],
    response: { kind: 'taxii', field: 'taxiiCollection.manifest', resource: 'page' },
  },
  {
    method: 'GET',
    path: '/taxii2/api/collections/{collectionId}/objects/{objectId}/',
    dialect: 'taxii',
    summary: 'One object of the collection by its STIX id, in an envelope.',
    operation: `query TaxiiObject($collectionId: ID!, $objectId: String!, ${TAXII_FILTER_VARIABLES}) {
      taxiiCollection(id: $collectionId) { object(id: $objectId, ${TAXII_FILTER_ARGUMENTS}) { ${taxiiPage('objects')} } }
    }`,
    params: [TAXII_COLLECTION, TAXII_OBJECT, ...TAXII_FILTERS],
    response: { kind: 'taxii', field: 'taxiiCollection.object', resource: 'page' },
  },
  {
    method: 'GET',
    path: '/taxii2/api/collections/{collectionId}/objects/{objectId}/versions/',
    dialect: 'taxii',
    summary: 'The versions of one object (an indicator has one: its `modified`).',
    operation: `query TaxiiVersions($collectionId: ID!, $objectId: String!, ${TAXII_FILTER_VARIABLES}) {
      taxiiCollection(id: $collectionId) { versions(id: $objectId, ${TAXII_FILTER_ARGUMENTS}) { ${taxiiPage('versions')} } }
    }`,
    params: [TAXII_COLLECTION, TAXII_OBJECT, ...TAXII_FILTERS],
    response: { kind: 'taxii', field: 'taxiiCollection.versions', resource: 'page' },
  },
  {
    method: 'GET',
    path: '/taxii2/api/status/{statusId}/',
    dialect: 'taxii',
    summary: 'What became of each object of an envelope the workspace added, for a week after.',
    operation: `query TaxiiStatus($statusId: ID!) { taxiiStatus(id: $statusId) { ${STATUS_FIELDS} } }`,
    params: [pathId('statusId', 'statusId', 'The `id` of the status the POST answered.')],
    response: { kind: 'taxii', field: 'taxiiStatus', resource: 'resource' },
  },
];

const DOMAIN_PARAM: ParamSpec = {
  name: 'domain',
  in: 'path',
  variable: 'domain',
  schema: { type: 'string', maxLength: 253 },
  description: 'The domain, as claimed.',
};
const SCOPE_DOMAIN_FIELDS = 'domain status added_at: addedAt verified_at: verifiedAt';

/** A workspace's scope, and the domains it proves by DNS (docs/api.md §15). */
const SCOPE_ROUTES: RestRoute[] = [
  {
    method: 'GET',
    path: '/api/v1/scope',
    dialect: 'soc',
    summary:
      'The workspace’s scope: each domain with its status (pending, verified, lapsed, or operator), its email addresses and BINs.',
    operation: `query RestScope { viewer { workspace { scope { domains: domainEntries { ${SCOPE_DOMAIN_FIELDS} } emails bins } } } }`,
    params: [],
    response: { kind: 'object', field: 'viewer.workspace.scope', item: 'WorkspaceScope', status: 200 },
  },
  {
    method: 'POST',
    path: '/api/v1/scope/domains',
    dialect: 'soc',
    summary:
      'Claim a domain: answers the TXT record to publish at `_threatintel-challenge.<domain>` (201; 200 with the same record when already claimed).',
    operation: `mutation RestClaimDomain($domain: String!) { claimDomain(domain: $domain) { claim { domain status record { type name value } } created } }`,
    params: [],
    body: {
      schema: {
        type: 'object',
        required: ['domain'],
        properties: { domain: { type: 'string', maxLength: 253 } },
        additionalProperties: false,
      },
      toVariables: (body) => ({ domain: body.domain }),
    },
    response: {
      kind: 'object',
      field: 'claimDomain',
      item: 'ClaimDomainResult',
      status: 201,
      spread: 'claim',
      createdFlag: 'created',
    },
  },
  {
    method: 'POST',
    path: '/api/v1/scope/domains/{domain}/verify',
    dialect: 'soc',
    summary:
      'Look the claim’s TXT record up: found, the domain and its subdomains are in the scope at once; not found, 409 `verification_failed` with what was there.',
    operation: `mutation RestVerifyDomain($domain: String!) { verifyDomain(domain: $domain) { ${SCOPE_DOMAIN_FIELDS} } }`,
    params: [DOMAIN_PARAM],
    response: { kind: 'object', field: 'verifyDomain', item: 'ScopeDomain', status: 200 },
  },
  {
    method: 'DELETE',
    path: '/api/v1/scope/domains/{domain}',
    dialect: 'soc',
    summary: 'Remove the workspace’s claim, and the domain from the scope (an operator’s entry: 403).',
    operation: 'mutation RestRemoveDomain($domain: String!) { removeDomain(domain: $domain) }',
    params: [DOMAIN_PARAM],
    response: { kind: 'empty' },
  },
];

export const ROUTES: readonly RestRoute[] = [
  {
    method: 'GET',
    path: '/api/v1/iocs',
    dialect: 'soc',
    summary: 'List IOCs: the shared feed and the workspace’s own, newest update first.',
    operation: iocListing('RestListIocs'),
    params: [...IOC_FILTERS, LIMIT, CURSOR],
    response: { kind: 'page', field: 'iocs', item: 'Ioc' },
  },
  {
    method: 'POST',
    path: '/api/v1/iocs',
    dialect: 'soc',
    summary:
      'Submit 1 to 1000 IOCs into the workspace’s own (defanged values accepted; the type detected when left out). Each bad one is rejected with its index; the others are kept, and reach the event stream and watchlist alerts.',
    operation:
      'mutation RestSubmitIocs($iocs: [IocInput!]!) { submitIocs(iocs: $iocs) { created updated rejected { index reason } } }',
    params: [],
    body: {
      schema: {
        type: 'object',
        required: ['iocs'],
        properties: {
          iocs: {
            type: 'array',
            minItems: 1,
            maxItems: 1000,
            items: {
              type: 'object',
              required: ['value'],
              properties: SUBMISSION_PROPERTIES,
              additionalProperties: false,
            },
          },
        },
        additionalProperties: false,
      },
      toVariables: (body) => ({
        iocs: camelCaseItems(body.iocs),
      }),
    },
    response: { kind: 'object', field: 'submitIocs', item: 'SubmitIocsResult', status: 200 },
  },
  {
    method: 'GET',
    path: '/api/v1/iocs/export',
    dialect: 'soc',
    summary: 'Every IOC the listing’s filters match (or the first `limit`), streamed as a STIX 2.1 bundle or CSV.',
    operation: iocListing('RestExportIocs'),
    params: [
      {
        name: 'format',
        in: 'query',
        variable: 'format',
        schema: { type: 'enum', values: { stix: 'stix', csv: 'csv' } },
        description: '`stix` (a STIX 2.1 bundle, the default) or `csv`.',
      },
      ...IOC_FILTERS,
      {
        name: 'limit',
        in: 'query',
        variable: 'limit',
        schema: { type: 'integer', minimum: 1, maximum: 100_000_000 },
        description: 'At most this many IOCs; every matching IOC when absent.',
      },
    ],
    response: { kind: 'export', field: 'iocs' },
  },
  {
    method: 'GET',
    path: '/api/v1/iocs/stream',
    dialect: 'soc',
    summary:
      'New and changed IOCs as Server-Sent Events: `event: ioc`, `data:` the IOC, `id:` its position. Reconnect with `Last-Event-ID` to resume after it, with nothing missed or repeated.',
    operation: `subscription RestIocStream($type: IocType, $after: String) { iocChanged(type: $type, after: $after) { cursor ioc { ${IOC_FIELDS} } } }`,
    params: [
      IOC_FILTERS[0]!,
      {
        name: 'Last-Event-ID',
        in: 'header',
        variable: 'after',
        schema: { type: 'string', maxLength: 512 },
        description: 'The `id` of the last event received: the stream resumes right after it.',
      },
    ],
    response: { kind: 'events', field: 'iocChanged', event: 'ioc' },
  },
  {
    method: 'POST',
    path: '/api/v1/iocs/lookup',
    dialect: 'soc',
    summary:
      'Look up 1 to 1000 values of any type (defanged forms accepted): one result per value, in order, null where unknown.',
    operation: `query RestLookupIocs($values: [String!]!) { iocLookup(values: $values) { ${IOC_FIELDS} } }`,
    params: [],
    body: {
      schema: {
        type: 'object',
        required: ['values'],
        properties: { values: { type: 'array', items: { type: 'string', maxLength: 2048 } } },
        additionalProperties: false,
      },
      toVariables: (body) => ({ values: body.values }),
    },
    response: { kind: 'list', field: 'iocLookup', item: 'Ioc' },
  },
  {
    method: 'GET',
    path: '/api/v1/iocs/{id}',
    dialect: 'soc',
    summary: 'One IOC.',
    operation: `query RestGetIoc($id: ID!) { ioc(id: $id) { ${IOC_FIELDS} } }`,
    params: [pathId('id', 'id', 'The IOC id.')],
    response: { kind: 'object', field: 'ioc', item: 'Ioc', status: 200 },
  },
  {
    method: 'DELETE',
    path: '/api/v1/iocs/{id}',
    dialect: 'soc',
    summary:
      'Revoke one of the workspace’s own IOCs (its status becomes `revoked`, a change streams and TAXII polls see). A shared-feed IOC: 403.',
    operation: 'mutation RestRevokeIoc($id: ID!) { revokeIoc(id: $id) }',
    params: [pathId('id', 'id', 'The IOC id.')],
    response: { kind: 'empty' },
  },
  {
    method: 'POST',
    path: '/api/v1/sightings',
    dialect: 'soc',
    summary:
      'Report 1 to 1000 sightings of IOCs in the workspace’s environment (each adds to its count and moves the IOC’s `last_seen` forward), or judge them benign with `false_positive`. Values no visible IOC holds are answered as `unknown`.',
    operation:
      'mutation RestReportSightings($sightings: [SightingInput!]!) { reportSightings(sightings: $sightings) { recorded unknown { index value } rejected { index reason } } }',
    params: [],
    body: {
      schema: {
        type: 'object',
        required: ['sightings'],
        properties: {
          sightings: {
            type: 'array',
            minItems: 1,
            maxItems: 1000,
            items: {
              type: 'object',
              required: ['value'],
              properties: {
                value: { type: 'string', maxLength: 2048 },
                type: { type: ['string', 'null'], maxLength: 20 },
                seen_at: { type: ['string', 'null'], maxLength: 64 },
                count: { type: ['integer', 'null'] },
                source: { type: ['string', 'null'], maxLength: 1000 },
                false_positive: { type: ['boolean', 'null'] },
                reason: { type: ['string', 'null'], maxLength: 2000 },
              },
              additionalProperties: false,
            },
          },
        },
        additionalProperties: false,
      },
      toVariables: (body) => ({
        sightings: camelCaseItems(body.sightings),
      }),
    },
    response: { kind: 'object', field: 'reportSightings', item: 'SightingReport', status: 200 },
  },
  {
    method: 'GET',
    path: '/api/v1/exclusions',
    dialect: 'soc',
    summary: 'The workspace’s exclusion lists, then the shared feed’s (read-only), each with its entry count.',
    operation: `query RestListExclusions { exclusionLists { ${EXCLUSION_LIST_FIELDS} } }`,
    params: [],
    response: { kind: 'list', field: 'exclusionLists', item: 'ExclusionList' },
  },
  {
    method: 'POST',
    path: '/api/v1/exclusions',
    dialect: 'soc',
    summary:
      'Make an exclusion list: values, CIDR ranges (with `/`) and domain suffixes (starting with `.`). What it covers leaves the workspace’s listings, exports and alerts; lookups name it in `excluded_by`.',
    operation: `mutation RestCreateExclusionList($name: String!, $entries: [String!]) { createExclusionList(name: $name, entries: $entries) { ${EXCLUSION_LIST_FIELDS} entries } }`,
    params: [],
    body: {
      schema: {
        type: 'object',
        required: ['name'],
        properties: {
          name: { type: 'string', maxLength: 1000 },
          entries: { type: 'array', items: { type: 'string', maxLength: 2048 } },
        },
        additionalProperties: false,
      },
      toVariables: (body) => ({ name: body.name, entries: body.entries ?? null }),
    },
    response: { kind: 'object', field: 'createExclusionList', item: 'ExclusionList', status: 201 },
  },
  {
    method: 'GET',
    path: '/api/v1/exclusions/{id}',
    dialect: 'soc',
    summary: 'One exclusion list with its entries.',
    operation: `query RestGetExclusionList($id: ID!) { exclusionList(id: $id) { ${EXCLUSION_LIST_FIELDS} entries } }`,
    params: [pathId('id', 'id', 'The list id.')],
    response: { kind: 'object', field: 'exclusionList', item: 'ExclusionList', status: 200 },
  },
  {
    method: 'PATCH',
    path: '/api/v1/exclusions/{id}',
    dialect: 'soc',
    summary: 'Rename a list, add entries and remove entries, at once.',
    operation: `mutation RestUpdateExclusionList($id: ID!, $name: String, $add: [String!], $remove: [String!]) { updateExclusionList(id: $id, name: $name, add: $add, remove: $remove) { ${EXCLUSION_LIST_FIELDS} entries } }`,
    params: [pathId('id', 'id', 'The list id.')],
    body: {
      schema: {
        type: 'object',
        properties: {
          name: { type: 'string', maxLength: 1000 },
          add: { type: 'array', items: { type: 'string', maxLength: 2048 } },
          remove: { type: 'array', items: { type: 'string', maxLength: 2048 } },
        },
        additionalProperties: false,
      },
      toVariables: (body) => ({ name: body.name ?? null, add: body.add ?? null, remove: body.remove ?? null }),
    },
    response: { kind: 'object', field: 'updateExclusionList', item: 'ExclusionList', status: 200 },
  },
  {
    method: 'DELETE',
    path: '/api/v1/exclusions/{id}',
    dialect: 'soc',
    summary: 'Delete one of the workspace’s lists (the shared feed’s: 403).',
    operation: 'mutation RestDeleteExclusionList($id: ID!) { deleteExclusionList(id: $id) }',
    params: [pathId('id', 'id', 'The list id.')],
    response: { kind: 'empty' },
  },
  {
    method: 'GET',
    path: '/api/v1/feeds',
    dialect: 'soc',
    summary: 'The workspace’s feeds, by name, with how their last pull went.',
    operation: `query RestListFeeds { feeds { ${FEED_FIELDS} } }`,
    params: [],
    response: { kind: 'list', field: 'feeds', item: 'Feed' },
  },
  {
    method: 'POST',
    path: '/api/v1/feeds',
    dialect: 'soc',
    summary:
      'Add a feed pulled into the workspace’s own IOCs (https, public addresses only), first at once, then every `every`.',
    operation: `mutation RestCreateFeed($name: String!, $url: String!, $format: FeedFormat!, $every: String, $headers: [FeedHeaderInput!]) {
      createFeed(name: $name, url: $url, format: $format, every: $every, headers: $headers) { ${FEED_FIELDS} }
    }`,
    params: [],
    body: { schema: feedBody(['name', 'url', 'format']), toVariables: feedVariables },
    response: { kind: 'object', field: 'createFeed', item: 'Feed', status: 201 },
  },
  {
    method: 'GET',
    path: '/api/v1/feeds/{id}',
    dialect: 'soc',
    summary: 'One feed.',
    operation: `query RestGetFeed($id: ID!) { feed(id: $id) { ${FEED_FIELDS} } }`,
    params: [pathId('id', 'id', 'The feed id.')],
    response: { kind: 'object', field: 'feed', item: 'Feed', status: 200 },
  },
  {
    method: 'PATCH',
    path: '/api/v1/feeds/{id}',
    dialect: 'soc',
    summary: 'Change a feed; `headers` replaces them all. A new URL or format starts from nothing.',
    operation: `mutation RestUpdateFeed($id: ID!, $name: String, $url: String, $format: FeedFormat, $every: String, $headers: [FeedHeaderInput!]) {
      updateFeed(id: $id, name: $name, url: $url, format: $format, every: $every, headers: $headers) { ${FEED_FIELDS} }
    }`,
    params: [pathId('id', 'id', 'The feed id.')],
    body: { schema: feedBody([]), toVariables: feedVariables },
    response: { kind: 'object', field: 'updateFeed', item: 'Feed', status: 200 },
  },
  {
    method: 'DELETE',
    path: '/api/v1/feeds/{id}',
    dialect: 'soc',
    summary: 'Delete a feed (the IOCs it brought stay).',
    operation: 'mutation RestDeleteFeed($id: ID!) { deleteFeed(id: $id) }',
    params: [pathId('id', 'id', 'The feed id.')],
    response: { kind: 'empty' },
  },
  {
    method: 'POST',
    path: '/api/v1/feeds/{id}/run',
    dialect: 'soc',
    summary: 'Queue a pull of the feed now (202); its status shows how it went.',
    operation: `mutation RestRunFeed($id: ID!) { runFeed(id: $id) { ${FEED_FIELDS} } }`,
    params: [pathId('id', 'id', 'The feed id.')],
    response: { kind: 'object', field: 'runFeed', item: 'Feed', status: 202 },
  },
  {
    method: 'GET',
    path: '/api/v1/blocklists/{type}.txt',
    dialect: 'soc',
    summary: `A block list: the active values of one type (${BLOCKLIST_TYPES.join(', ')}), one a line, newest change first, for firewalls, proxies and DNS filters. \`ETag\` and \`Last-Modified\` answer conditional GETs with 304; HTTP Basic taken (the key as user name or password).`,
    operation: `query RestBlocklist($type: String!, $minScore: Int, $minConfidence: Int, $tag: String, $source: String, $own: Boolean, $first: Int, $after: String, $withVersion: Boolean!, $withPage: Boolean!) {
      version: blocklistVersion(type: $type, minScore: $minScore, minConfidence: $minConfidence, tag: $tag, source: $source, own: $own) @include(if: $withVersion) { etag lastModified }
      page: blocklist(type: $type, minScore: $minScore, minConfidence: $minConfidence, tag: $tag, source: $source, own: $own, first: $first, after: $after) @include(if: $withPage) { text count endCursor hasNextPage }
    }`,
    params: [
      {
        name: 'type',
        in: 'path',
        variable: 'type',
        schema: { type: 'string', maxLength: 20 },
        description: `${BLOCKLIST_TYPES.join(', ')}; another is 404.`,
      },
      {
        name: 'min_score',
        in: 'query',
        variable: 'minScore',
        schema: { type: 'integer', minimum: 0, maximum: 100 },
        description: 'Only values scoring at least this (0 to 100).',
      },
      {
        name: 'min_confidence',
        in: 'query',
        variable: 'minConfidence',
        schema: { type: 'integer', minimum: 0, maximum: 100 },
        description: 'Only values at least this confident (0 to 100).',
      },
      {
        name: 'tag',
        in: 'query',
        variable: 'tag',
        schema: { type: 'string', maxLength: 200 },
        description: 'Only values with this tag.',
      },
      {
        name: 'source',
        in: 'query',
        variable: 'source',
        schema: { type: 'string', maxLength: 200 },
        description: 'Only values from this source (a feed’s name).',
      },
      {
        name: 'own',
        in: 'query',
        variable: 'own',
        schema: { type: 'boolean' },
        description: 'true: the workspace’s own only; false: the shared feed’s only; not given: both.',
      },
      {
        name: 'limit',
        in: 'query',
        variable: 'limit',
        schema: { type: 'integer', minimum: 1, maximum: MAX_BLOCKLIST_VALUES, default: MAX_BLOCKLIST_VALUES },
        description: `At most this many values (default and maximum ${MAX_BLOCKLIST_VALUES.toLocaleString('en')}).`,
      },
    ],
    response: { kind: 'lines', contentType: 'text/plain; charset=utf-8', pageSize: BLOCKLIST_PAGE, versioned: true },
  },
  {
    method: 'GET',
    path: '/misp/{collection}/manifest.json',
    dialect: 'soc',
    summary:
      'The MISP feed’s manifest of the shared feed (`shared`) or the workspace’s own IOCs (`own`): one event per source and UTC day of first_seen, each with its newest change. Add the server to MISP as a feed with an `Authorization` header.',
    operation: 'query RestMispManifest($collection: String!) { mispManifest(collection: $collection) }',
    params: [MISP_COLLECTION],
    response: { kind: 'document', field: 'mispManifest' },
  },
  {
    method: 'GET',
    path: '/misp/{collection}/hashes.csv',
    dialect: 'soc',
    summary: 'The MISP feed’s `hashes.csv`: `md5(value),event uuid` per IOC.',
    operation: `query RestMispHashes($collection: String!, $first: Int, $after: String) {
      page: mispHashes(collection: $collection, first: $first, after: $after) { text count endCursor hasNextPage }
    }`,
    params: [MISP_COLLECTION],
    response: { kind: 'lines', contentType: 'text/csv; charset=utf-8', pageSize: MISP_PAGE },
  },
  {
    method: 'GET',
    path: '/misp/{collection}/{uuid}.json',
    dialect: 'soc',
    summary:
      'One MISP event: its IOCs as attributes typed for MISP, `to_ids` true while active (a revoked or expired IOC stays with `to_ids` false).',
    operation: `query RestMispEvent($collection: String!, $uuid: ID!, $first: Int, $after: String) {
      mispEvent(collection: $collection, uuid: $uuid, first: $first, after: $after) { event attributes endCursor hasNextPage }
    }`,
    params: [MISP_COLLECTION, pathId('uuid', 'uuid', 'The event’s UUID, as the manifest lists it.')],
    response: { kind: 'mispEvent', field: 'mispEvent', pageSize: MISP_PAGE },
  },
  {
    method: 'GET',
    path: '/api/v1/watchlists',
    dialect: 'defendis',
    summary: 'The workspace’s watchlists with their entries, oldest first.',
    operation: `query RestListWatchlists($first: Int, $after: String) {
      watchlists(first: $first, after: $after) { edges { node { ${WATCHLIST_FIELDS} } } ${PAGE_INFO} }
    }`,
    params: [LIMIT, CURSOR],
    response: { kind: 'page', field: 'watchlists', item: 'Watchlist' },
  },
  {
    method: 'POST',
    path: '/api/v1/watchlists',
    dialect: 'defendis',
    summary: 'Create a watchlist, optionally with entries.',
    operation: `mutation RestCreateWatchlist($input: CreateWatchlistInput!) { createWatchlist(input: $input) { ${WATCHLIST_FIELDS} } }`,
    params: [],
    body: {
      schema: {
        type: 'object',
        required: ['name'],
        properties: {
          name: { type: 'string', maxLength: 2048 },
          description: { type: ['string', 'null'], maxLength: 4096 },
          entries: { type: 'array', items: ENTRY_SCHEMA },
        },
        additionalProperties: false,
      },
      toVariables: (body) => ({
        input: {
          name: body.name,
          description: body.description ?? null,
          entries: ((body.entries ?? []) as unknown[]).map(toEntry),
        },
      }),
    },
    response: { kind: 'object', field: 'createWatchlist', item: 'Watchlist', status: 201 },
  },
  {
    method: 'GET',
    path: '/api/v1/watchlists/{id}',
    dialect: 'defendis',
    summary: 'One watchlist with its entries.',
    operation: `query RestGetWatchlist($id: ID!) { watchlist(id: $id) { ${WATCHLIST_FIELDS} } }`,
    params: [pathId('id', 'id', 'The watchlist id.')],
    response: { kind: 'object', field: 'watchlist', item: 'Watchlist', status: 200 },
  },
  {
    method: 'PATCH',
    path: '/api/v1/watchlists/{id}',
    dialect: 'defendis',
    summary: 'Rename a watchlist or change its description.',
    operation: `mutation RestUpdateWatchlist($id: ID!, $input: UpdateWatchlistInput!) { updateWatchlist(id: $id, input: $input) { ${WATCHLIST_FIELDS} } }`,
    params: [pathId('id', 'id', 'The watchlist id.')],
    body: {
      schema: {
        type: 'object',
        properties: {
          name: { type: 'string', maxLength: 2048 },
          description: { type: ['string', 'null'], maxLength: 4096 },
        },
        additionalProperties: false,
      },
      toVariables: (body) => ({ input: body }),
    },
    response: { kind: 'object', field: 'updateWatchlist', item: 'Watchlist', status: 200 },
  },
  {
    method: 'DELETE',
    path: '/api/v1/watchlists/{id}',
    dialect: 'defendis',
    summary: 'Delete a watchlist and its entries.',
    operation: 'mutation RestDeleteWatchlist($id: ID!) { deleteWatchlist(id: $id) }',
    params: [pathId('id', 'id', 'The watchlist id.')],
    response: { kind: 'empty' },
  },
  {
    method: 'POST',
    path: '/api/v1/watchlists/{id}/entries',
    dialect: 'defendis',
    summary:
      'Add one entry (`{ type, value }`) or several (`{ entries: [...] }`); an entry already listed is kept once.',
    operation: `mutation RestAddWatchlistEntries($id: ID!, $entries: [WatchlistEntryInput!]!) { addWatchlistEntries(watchlistId: $id, entries: $entries) { ${WATCHLIST_FIELDS} } }`,
    params: [pathId('id', 'id', 'The watchlist id.')],
    body: {
      schema: {
        type: 'object',
        properties: { ...ENTRY_PROPERTIES, entries: { type: 'array', items: ENTRY_SCHEMA } },
        additionalProperties: false,
        // Either one entry or a list, never both.
        oneOf: [
          { required: ['type', 'value'], properties: { entries: false } },
          { required: ['entries'], properties: { type: false, value: false } },
        ],
      },
      toVariables: (body) => ({ entries: body.entries ? (body.entries as unknown[]).map(toEntry) : [toEntry(body)] }),
    },
    response: { kind: 'object', field: 'addWatchlistEntries', item: 'Watchlist', status: 201 },
  },
  {
    method: 'DELETE',
    path: '/api/v1/watchlists/{id}/entries/{entryId}',
    dialect: 'defendis',
    summary: 'Remove one entry from a watchlist.',
    operation:
      'mutation RestRemoveWatchlistEntry($id: ID!, $entryId: ID!) { removeWatchlistEntry(watchlistId: $id, entryId: $entryId) { id } }',
    params: [pathId('id', 'id', 'The watchlist id.'), pathId('entryId', 'entryId', 'The entry id.')],
    response: { kind: 'empty' },
  },
  {
    method: 'GET',
    path: '/api/v1/dataleaks/domain',
    dialect: 'defendis',
    summary: 'Leaked credentials at a domain of the workspace scope or any of its subdomains (enterprise).',
    operation: `query RestLeaksByDomain($value: String!, $first: Int, $after: String) {
      dataleaks { byDomain(domain: $value, first: $first, after: $after) { edges { node { ${CREDENTIAL_LEAK_FIELDS} } } ${PAGE_INFO} } }
    }`,
    params: [scopedQuery('domain', 'A domain inside the workspace scope.'), LIMIT, CURSOR],
    response: { kind: 'page', field: 'dataleaks.byDomain', item: 'CredentialLeak' },
  },
  {
    method: 'GET',
    path: '/api/v1/dataleaks/site',
    dialect: 'defendis',
    summary:
      'Credentials captured on the website at a domain of the workspace scope or any of its subdomains: the accounts of the workspace’s own customers, found in stealer logs (enterprise).',
    operation: `query RestLeaksBySite($value: String!, $first: Int, $after: String) {
      dataleaks { bySite(domain: $value, first: $first, after: $after) { edges { node { ${CREDENTIAL_LEAK_FIELDS} } } ${PAGE_INFO} } }
    }`,
    params: [scopedQuery('domain', 'A domain inside the workspace scope: the website’s.'), LIMIT, CURSOR],
    response: { kind: 'page', field: 'dataleaks.bySite', item: 'CredentialLeak' },
  },
  {
    method: 'GET',
    path: '/api/v1/dataleaks/email',
    dialect: 'defendis',
    summary: 'Leaked credentials of one address inside the workspace scope (enterprise).',
    operation: `query RestLeaksByEmail($value: String!, $first: Int, $after: String) {
      dataleaks { byEmail(email: $value, first: $first, after: $after) { edges { node { ${CREDENTIAL_LEAK_FIELDS} } } ${PAGE_INFO} } }
    }`,
    params: [scopedQuery('email', 'An email address inside the workspace scope.'), LIMIT, CURSOR],
    response: { kind: 'page', field: 'dataleaks.byEmail', item: 'CredentialLeak' },
  },
  {
    method: 'GET',
    path: '/api/v1/dataleaks/cards',
    dialect: 'defendis',
    summary: 'Leaked cards whose BIN starts with a BIN of the workspace scope (enterprise).',
    operation: `query RestLeaksByBin($value: String!, $first: Int, $after: String) {
      dataleaks { byBin(bin: $value, first: $first, after: $after) { edges { node { ${CARD_LEAK_FIELDS} } } ${PAGE_INFO} } }
    }`,
    params: [scopedQuery('bin', 'A BIN of 6 to 8 digits inside the workspace scope.'), LIMIT, CURSOR],
    response: { kind: 'page', field: 'dataleaks.byBin', item: 'CardLeak' },
  },
  {
    method: 'GET',
    path: '/api/v1/passwords/range/{prefix}',
    dialect: 'soc',
    summary:
      'Breached-password range search (k-anonymity): `text/plain` lines `SUFFIX:COUNT`, the other 35 hex digits (upper case) of every stored leaked password’s SHA-1 that starts with `prefix` (with `mode=ntlm`, the other 27 of its NTLM hash), and in how many leaks it appears, sorted by suffix; empty when none. With `Add-Padding: true`, padded with random suffixes of count 0 to 800–1000 lines. The answer is the same for every caller: it carries an `ETag` (a matching `If-None-Match` is answered 304) and `Cache-Control: public`, so that a cache in front can serve repeats.',
    operation:
      'query RestPasswordRange($prefix: String!, $mode: PasswordHashMode) { passwordRange(prefix: $prefix, mode: $mode) { suffix count } }',
    params: [
      {
        name: 'prefix',
        in: 'path',
        variable: 'prefix',
        schema: { type: 'string', maxLength: 40 },
        description: 'The first 5 hex digits of the password’s hash, either case.',
      },
      {
        name: 'mode',
        in: 'query',
        variable: 'mode',
        schema: { type: 'enum', values: { sha1: 'SHA1', ntlm: 'NTLM' } },
        description: '`sha1` (the default): SHA-1 of the password; `ntlm`: its NTLM hash (MD4 of its UTF-16LE bytes).',
      },
    ],
    response: { kind: 'hashRange', field: 'passwordRange' },
  },
  {
    method: 'GET',
    path: '/api/v1/alerts',
    dialect: 'defendis',
    summary: 'The workspace’s watchlist alerts, newest first: one per (entry, matched record).',
    operation: `query RestListAlerts($status: AlertStatus, $watchlistId: ID, $kind: AlertKind, $first: Int, $after: String) {
      alerts(status: $status, watchlistId: $watchlistId, kind: $kind, first: $first, after: $after) { edges { node { ${ALERT_FIELDS} } } ${PAGE_INFO} }
    }`,
    params: [
      {
        name: 'status',
        in: 'query',
        variable: 'status',
        schema: { type: 'enum', values: ALERT_STATUS_NAMES },
        description: 'Only alerts in this status.',
      },
      {
        name: 'watchlist_id',
        in: 'query',
        variable: 'watchlistId',
        schema: { type: 'id' },
        description: 'Only alerts of this watchlist.',
      },
      {
        name: 'kind',
        in: 'query',
        variable: 'kind',
        schema: { type: 'enum', values: graphqlEnumNames(ALERT_KINDS) },
        description: 'Only alerts of this kind.',
      },
      LIMIT,
      CURSOR,
    ],
    response: { kind: 'page', field: 'alerts', item: 'Alert' },
  },
  {
    method: 'GET',
    path: '/api/v1/alerts/stream',
    dialect: 'defendis',
    summary:
      'New alerts as Server-Sent Events: `event: alert`, `data:` the alert, `id:` its position. Reconnect with `Last-Event-ID` to resume after it, with nothing missed or repeated.',
    operation: `subscription RestAlertStream($after: String) { alertCreated(after: $after) { cursor alert { ${ALERT_FIELDS} } } }`,
    params: [
      {
        name: 'Last-Event-ID',
        in: 'header',
        variable: 'after',
        schema: { type: 'string', maxLength: 512 },
        description: 'The `id` of the last event received: the stream resumes right after it.',
      },
    ],
    response: { kind: 'events', field: 'alertCreated', event: 'alert' },
  },
  {
    method: 'GET',
    path: '/api/v1/alerts/{id}',
    dialect: 'defendis',
    summary: 'One alert with the record it matched.',
    operation: `query RestGetAlert($id: ID!) { alert(id: $id) { ${ALERT_FIELDS} } }`,
    params: [pathId('id', 'id', 'The alert id.')],
    response: { kind: 'object', field: 'alert', item: 'Alert', status: 200 },
  },
  {
    method: 'PATCH',
    path: '/api/v1/alerts/{id}',
    dialect: 'defendis',
    summary: 'Acknowledge or resolve an alert: `{ "status": "acknowledged" }`.',
    operation: `mutation RestUpdateAlert($id: ID!, $status: AlertStatus!) { updateAlert(id: $id, status: $status) { ${ALERT_FIELDS} } }`,
    params: [pathId('id', 'id', 'The alert id.')],
    body: {
      schema: {
        type: 'object',
        required: ['status'],
        properties: { status: { enum: [...ALERT_STATUSES] } },
        additionalProperties: false,
      },
      toVariables: (body) => ({ status: ALERT_STATUS_NAMES[body.status as string] }),
    },
    response: { kind: 'object', field: 'updateAlert', item: 'Alert', status: 200 },
  },
  {
    method: 'GET',
    path: '/api/v1/webhooks',
    dialect: 'defendis',
    summary: 'The workspace’s webhook endpoints (never their secrets), oldest first.',
    operation: `query RestListWebhooks { webhookEndpoints { ${ENDPOINT_FIELDS} } }`,
    params: [],
    response: { kind: 'list', field: 'webhookEndpoints', item: 'WebhookEndpoint' },
  },
  {
    method: 'POST',
    path: '/api/v1/webhooks',
    dialect: 'defendis',
    summary:
      'Add a webhook endpoint (https, public addresses only, at most 10 per workspace); the answer holds its signing secret `whsec_…`, shown this once.',
    operation: `mutation RestCreateWebhook($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { ${ENDPOINT_FIELDS} } secret } }`,
    params: [],
    body: {
      schema: { type: 'object', required: ['url'], properties: ENDPOINT_BODY, additionalProperties: false },
      toVariables: (body) => ({ input: { url: body.url, description: body.description ?? null } }),
    },
    response: {
      kind: 'object',
      field: 'createWebhookEndpoint',
      item: 'WebhookEndpointWithSecret',
      status: 201,
      spread: 'endpoint',
    },
  },
  {
    method: 'PATCH',
    path: '/api/v1/webhooks/{id}',
    dialect: 'defendis',
    summary: 'Change an endpoint’s URL or description, or turn it on or off.',
    operation: `mutation RestUpdateWebhook($id: ID!, $input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(id: $id, input: $input) { ${ENDPOINT_FIELDS} } }`,
    params: [pathId('id', 'id', 'The endpoint id.')],
    body: {
      schema: {
        type: 'object',
        properties: { ...ENDPOINT_BODY, enabled: { type: 'boolean' } },
        additionalProperties: false,
      },
      toVariables: (body) => ({ input: body }),
    },
    response: { kind: 'object', field: 'updateWebhookEndpoint', item: 'WebhookEndpoint', status: 200 },
  },
  {
    method: 'DELETE',
    path: '/api/v1/webhooks/{id}',
    dialect: 'defendis',
    summary: 'Delete an endpoint and its delivery log.',
    operation: 'mutation RestDeleteWebhook($id: ID!) { deleteWebhookEndpoint(id: $id) }',
    params: [pathId('id', 'id', 'The endpoint id.')],
    response: { kind: 'empty' },
  },
  {
    method: 'POST',
    path: '/api/v1/webhooks/{id}/rotate-secret',
    dialect: 'defendis',
    summary: 'A new signing secret, shown this once; the previous one keeps signing alongside for 24 hours.',
    operation: `mutation RestRotateWebhookSecret($id: ID!) { rotateWebhookSecret(id: $id) { endpoint { ${ENDPOINT_FIELDS} } secret } }`,
    params: [pathId('id', 'id', 'The endpoint id.')],
    response: {
      kind: 'object',
      field: 'rotateWebhookSecret',
      item: 'WebhookEndpointWithSecret',
      status: 200,
      spread: 'endpoint',
    },
  },
  {
    method: 'GET',
    path: '/api/v1/webhooks/{id}/deliveries',
    dialect: 'defendis',
    summary: 'An endpoint’s deliveries, newest first, each with every attempt (time, HTTP status or error, duration).',
    operation: `query RestListWebhookDeliveries($id: ID!, $first: Int, $after: String) {
      webhookDeliveries(endpointId: $id, first: $first, after: $after) { edges { node { ${DELIVERY_FIELDS} } } ${PAGE_INFO} }
    }`,
    params: [pathId('id', 'id', 'The endpoint id.'), LIMIT, CURSOR],
    response: { kind: 'page', field: 'webhookDeliveries', item: 'WebhookDelivery' },
  },
  {
    method: 'POST',
    path: '/api/v1/webhooks/deliveries/{id}/retry',
    dialect: 'defendis',
    summary: 'Send a delivery again now, with the same `webhook-id`.',
    operation: `mutation RestRetryWebhookDelivery($id: ID!) { retryWebhookDelivery(id: $id) { ${DELIVERY_FIELDS} } }`,
    params: [pathId('id', 'id', 'The delivery id.')],
    response: { kind: 'object', field: 'retryWebhookDelivery', item: 'WebhookDelivery', status: 200 },
  },
  ...SCOPE_ROUTES,
  ...TAXII_ROUTES,
];

/** The dialect any path speaks, routed or not (a 404, a request refused before routing): from this table. */
export const dialectForPath = dialectsByPath(ROUTES);
